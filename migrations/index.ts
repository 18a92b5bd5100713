// Every migration, in order. A migration that has landed is never edited: add a new one.
import { Foundation1763856000000 } from './1763856000000-foundation.js';
import { Accounts1763900000000 } from './1763900000000-accounts.js';

export const migrations = [Foundation1763856000000, Accounts1763900000000];
