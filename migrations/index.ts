// Every migration, in order. A migration that has landed is never edited: add a new one.
import { Foundation1763856000000 } from './1763856000000-foundation.js';

export const migrations = [Foundation1763856000000];
