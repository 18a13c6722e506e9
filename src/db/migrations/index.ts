import type { Migration } from 'kysely';
import * as m0001 from './0001_initial.ts';
import * as m0002 from './0002_reading_tiers.ts';
import * as m0004 from './0004_cmms_records.ts';
import * as m0005 from './0005_jobs_and_models.ts';
import * as m0007 from './0007_instrument_ranges.ts';

/** Every migration, by sortable name. Append only: never edit or remove a landed migration. */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_reading_tiers': m0002,
  '0004_cmms_records': m0004,
  '0005_jobs_and_models': m0005,
  '0007_instrument_ranges': m0007,
};
