/** POST /api/imports/{instruments|calibrations} (docs/imports.md). */
export type { ImportAnswer, ImportKind, ImportProblem } from '../../lib/api-types.ts';
