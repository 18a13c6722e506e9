// The very function the server stores results with, so the verdict the technician sees while
// typing is the verdict in the record: error % of span = (value − reference) / span × 100,
// a point passes when |error| ≤ the accuracy class.

export type {
  ComputedPoint,
  EvaluatedPoint,
  PointInput,
  PointsResult,
  ResolvedPoint,
} from '../../../../src/calibration/point-errors.ts';
export {
  computePoints,
  errorPctOfSpan,
  evaluatePoints,
  withinTolerance,
} from '../../../../src/calibration/point-errors.ts';
export { nominalApplied } from '../../../../src/calibration/procedure-points.ts';
export { accuracyClassRule, describeRule, MIN_TUR } from '../../../../src/calibration/tolerances.ts';
export { expectedOutput, inputUnit } from '../../../../src/calibration/transfer-functions.ts';
export { uncertaintyAtPoint } from '../../../../src/calibration/uncertainty.ts';
