// The DataSource the TypeORM CLI uses (npm run migration:run / migration:revert):
// DATABASE_URL, or else the embedded PostgreSQL that `npm start` is running.
import { readEmbeddedState } from '../embedded/embedded-state.js';
import { createDataSource } from './database.js';

const url = process.env.DATABASE_URL ?? readEmbeddedState()?.databaseUrl;
if (!url) {
  throw new Error(
    'DATABASE_URL is not set and no embedded PostgreSQL is running (start it with `npm start`).',
  );
}
export default createDataSource({ url, poolSize: 2, applicationName: 'guichet-cli' });
