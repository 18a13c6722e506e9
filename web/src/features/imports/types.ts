/** One problem of an import: the file's row (header = 1), the column as the file names it, why. */
export interface ImportProblem {
  row: number;
  column: string | null;
  message: string;
}

export interface ImportItem {
  row: number;
  tag: string;
  action: 'create' | 'update' | 'unchanged';
  instrument_id: number | null;
  changes: string[];
  process_unit: string | null;
  last_calibrated_on: string | null;
  performed_at?: string;
  points?: number;
  rows?: number[];
}

/** POST /api/imports/{instruments|calibrations} (docs/imports.md). */
export interface ImportAnswer {
  kind: ImportKind;
  dry_run: boolean;
  file: string;
  sha256: string;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  errors: ImportProblem[];
  warnings: ImportProblem[];
  process_units_created: string[];
  calibrations_created: number;
  items: ImportItem[];
  preview?: { header: string[]; rows: { row: number; cells: string[] }[] };
}

export type ImportKind = 'instruments' | 'calibrations';
