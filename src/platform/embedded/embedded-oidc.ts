import { generateKeyPairSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DirectoryPerson } from './embedded-directory.js';
import Provider, { type AdapterPayload, type KoaContextWithOIDC } from 'oidc-provider';

export interface EmbeddedOidcOptions {
  port: number;
  /** The portal's callback, the one redirect the client may use. */
  redirectUri: string;
  clientId: string;
  clientSecret: string;
  people: readonly DirectoryPerson[];
}

export interface RunningOidcProvider {
  issuer: string;
  stop(): Promise<void>;
}

/**
 * A local OpenID Provider (the certified `oidc-provider`) standing in for the
 * city's directory, for `npm start` and the tests (ADR 0045): one confidential
 * client (the portal), authorization code with PKCE only, and a sign-in page of
 * its own that checks the directory's passwords. Consent is implied (the
 * portal is the city's own application). It listens on loopback only and
 * loads nothing from elsewhere.
 */
export async function startEmbeddedOidc(
  options: EmbeddedOidcOptions,
): Promise<RunningOidcProvider> {
  const issuer = `http://127.0.0.1:${options.port}`;
  const byEmail = new Map(options.people.map((p) => [p.email.toLowerCase(), p]));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    findAccount: (_ctx, sub) => {
      const person = byEmail.get(sub.toLowerCase());
      if (!person) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: person.email,
          email_verified: true,
          name: person.name,
          groups: person.groups,
        }),
      };
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256' }] },
    ttl: {
      Session: 8 * 3600,
      Interaction: 600,
      Grant: 8 * 3600,
      AccessToken: 600,
      IdToken: 600,
      AuthorizationCode: 60,
    },
    adapter: MemoryAdapter,
  });
  provider.use(async (ctx, next) => {
    const found = /^\/interaction\/([\w-]+)(\/login)?$/.exec(ctx.path);
    if (!found) return next();
    await interaction(provider, ctx as KoaContextWithOIDC, Boolean(found[2]), byEmail);
  });
  const server: Server = await new Promise((resolve, reject) => {
    const listening = provider.listen(options.port, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  return {
    issuer: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The provider's records (sessions, codes, grants) in this process's memory:
 * the embedded directory forgets them when it stops, as a demo should.
 */
class MemoryAdapter {
  private static readonly records = new Map<string, { payload: AdapterPayload; expires: number }>();

  constructor(private readonly model: string) {}

  private key(id: string) {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
    if (MemoryAdapter.records.size > 10_000)
      for (const [key, record] of MemoryAdapter.records)
        if (record.expires < Date.now()) MemoryAdapter.records.delete(key);
    MemoryAdapter.records.set(this.key(id), { payload, expires: Date.now() + expiresIn * 1000 });
  }

  async find(id: string) {
    const record = MemoryAdapter.records.get(this.key(id));
    if (!record || record.expires < Date.now()) return undefined;
    return record.payload;
  }

  async findByUid(uid: string) {
    for (const [key, record] of MemoryAdapter.records)
      if (key.startsWith(`${this.model}:`) && record.payload.uid === uid)
        return this.find(key.slice(this.model.length + 1));
    return undefined;
  }

  async findByUserCode(userCode: string) {
    for (const [key, record] of MemoryAdapter.records)
      if (key.startsWith(`${this.model}:`) && record.payload.userCode === userCode)
        return this.find(key.slice(this.model.length + 1));
    return undefined;
  }

  async consume(id: string) {
    const record = MemoryAdapter.records.get(this.key(id));
    if (record) record.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string) {
    MemoryAdapter.records.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string) {
    for (const [key, record] of MemoryAdapter.records)
      if (record.payload.grantId === grantId) MemoryAdapter.records.delete(key);
  }
}

/** The sign-in page, its post, and the implied consent. */
async function interaction(
  provider: Provider,
  ctx: KoaContextWithOIDC,
  posted: boolean,
  byEmail: Map<string, DirectoryPerson>,
): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({
          accountId: details.session!.accountId,
          clientId: String(details.params.client_id),
        });
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
    };
    if (missing.missingOIDCScope) grant!.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant!.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant!.save();
    await provider.interactionFinished(
      ctx.req,
      ctx.res,
      { consent: { grantId } },
      {
        mergeWithLastSubmission: true,
      },
    );
    return;
  }
  if (!posted || ctx.method !== 'POST') {
    page(ctx, details.uid, '', false);
    return;
  }
  const form = new URLSearchParams(await body(ctx));
  const email = (form.get('email') ?? '').trim();
  const person = byEmail.get(email.toLowerCase());
  if (!person || !samePassword(person.password, form.get('password') ?? '')) {
    page(ctx, details.uid, email, true);
    return;
  }
  await provider.interactionFinished(
    ctx.req,
    ctx.res,
    { login: { accountId: person.email } },
    {
      mergeWithLastSubmission: false,
    },
  );
}

function samePassword(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function body(ctx: KoaContextWithOIDC): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > 10_000) ctx.throw(413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The directory's own sign-in page: plain, bilingual, no outside resource. */
function page(ctx: KoaContextWithOIDC, uid: string, email: string, failed: boolean): void {
  ctx.status = failed ? 401 : 200;
  ctx.type = 'html';
  ctx.body = `<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Annuaire de la Ville (démo) – City directory (demo)</title>
<style>body{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;color:#0b0c0c}
label{display:block;margin-top:1rem;font-weight:bold}input{font-size:1.1rem;width:100%;padding:.4rem;box-sizing:border-box;border:2px solid #0b0c0c}
button{margin-top:1.5rem;font-size:1.1rem;padding:.5rem 1rem;background:#00703c;color:#fff;border:0}
.error{color:#d4351c;font-weight:bold}</style></head>
<body><main>
<h1>Annuaire de la Ville <span lang="en">(City directory)</span></h1>
<p>Fournisseur d’identité de démonstration lancé par <code>npm start</code>. <span lang="en">The demo identity provider <code>npm start</code> runs.</span></p>
${failed ? '<p class="error" role="alert" id="error">Adresse ou mot de passe incorrect. <span lang="en">Wrong address or password.</span></p>' : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="email">Adresse courriel <span lang="en">(Email address)</span></label>
<input id="email" name="email" type="email" autocomplete="username" value="${escape(email)}" required>
<label for="password">Mot de passe <span lang="en">(Password)</span></label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="directory-sign-in">Se connecter <span lang="en">(Sign in)</span></button>
</form></main></body></html>`;
}
