import type { Migration } from 'kysely';
import * as m0001 from './0001_initial.ts';
import * as m0002 from './0002_reading_tiers.ts';
import * as m0004 from './0004_cmms_records.ts';
import * as m0005 from './0005_jobs_and_models.ts';
import * as m0006 from './0006_gateways.ts';
import * as m0007 from './0007_instrument_ranges.ts';
import * as m0008 from './0008_calibration_corrections.ts';
import * as m0009 from './0009_record_content_hashes.ts';
import * as m0010 from './0010_account_security.ts';
import * as m0013 from './0013_clean_history_and_alert_episodes.ts';
import * as m0014 from './0014_devices_and_signatures.ts';
import * as m0015 from './0015_outcomes_and_attachments.ts';
import * as m0016 from './0016_calibration_procedures.ts';
import * as m0017 from './0017_standard_certificates.ts';
import * as m0018 from './0018_alarm_events_and_shelving.ts';
import * as m0019 from './0019_instrument_out_of_service.ts';
import * as m0020 from './0020_work_requests.ts';
import * as m0021 from './0021_model_groups.ts';
import * as m0022 from './0022_leases.ts';
import * as m0023 from './0023_connector_sources.ts';
import * as m0024 from './0024_imported_calibrations.ts';
import * as m0027 from './0027_instrument_last_seen.ts';
import * as m0028 from './0028_table_housekeeping.ts';
import * as m0029 from './0029_checkpoint_last_ts.ts';

/** Every migration, by sortable name. Append only: never edit or remove a landed migration. */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_reading_tiers': m0002,
  '0004_cmms_records': m0004,
  '0005_jobs_and_models': m0005,
  '0006_gateways': m0006,
  '0007_instrument_ranges': m0007,
  '0008_calibration_corrections': m0008,
  '0009_record_content_hashes': m0009,
  '0010_account_security': m0010,
  '0013_clean_history_and_alert_episodes': m0013,
  '0014_devices_and_signatures': m0014,
  '0015_outcomes_and_attachments': m0015,
  '0016_calibration_procedures': m0016,
  '0017_standard_certificates': m0017,
  '0018_alarm_events_and_shelving': m0018,
  '0019_instrument_out_of_service': m0019,
  '0020_work_requests': m0020,
  '0021_model_groups': m0021,
  '0022_leases': m0022,
  '0023_connector_sources': m0023,
  '0024_imported_calibrations': m0024,
  '0027_instrument_last_seen': m0027,
  '0028_table_housekeeping': m0028,
  '0029_checkpoint_last_ts': m0029,
};
