import type { Kysely } from 'kysely';
import type { CalibrationDeps } from '../calibration/calibration-service.ts';
import {
  checkImport,
  type ImportFormat,
  importedCalibration,
  importRecordRefused,
} from '../calibration/calibrator-import.ts';
import type { CalibrationWarning } from '../calibration/procedure-enforcement.ts';
import type { DB, Role } from '../db/schema.ts';
import { recordCalibration } from './record-calibration.ts';

/**
 * Imports a calibrator's file (docs/calibration.md): every record checked first, then all of them
 * recorded in one transaction through recordCalibration, the very flow the calibration modal uses.
 */
export async function importCalibrations(
  db: Kysely<DB>,
  actor: { id: number; role: Role },
  input: { format: ImportFormat; csv: string },
  deps: CalibrationDeps,
) {
  const prepared = await checkImport(db, input);
  const warnings: (CalibrationWarning & { row: number })[] = [];
  const records = await db.transaction().execute(async (trx) => {
    const out = [];
    for (const r of prepared) {
      try {
        const rec = await recordCalibration(trx, actor, importedCalibration(r), deps);
        for (const w of rec.warnings) warnings.push({ ...w, row: r.g.lines[0] });
        out.push(rec);
      } catch (err) {
        throw importRecordRefused(err, r);
      }
    }
    return out;
  });
  return { imported: records.length, records, warnings };
}
