import type { Migration } from 'kysely';
import * as m0001 from './0001_initial.ts';

/** Every migration, by sortable name. Append only: never edit or remove a landed migration. */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
};
