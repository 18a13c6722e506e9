// The very function the server stores results with, so the verdict the technician sees while
// typing is the verdict in the record: error % of span = (value − reference) / span × 100,
// a point passes when |error| ≤ the accuracy class.

export type { ComputedPoint, PointInput, PointsResult } from '../../../../src/calibration/point-errors.ts';
export { computePoints, errorPctOfSpan, withinTolerance } from '../../../../src/calibration/point-errors.ts';
