// Public surface of the detector library (see README.md).
export * from './anomaly.ts';
export * from './cusum.ts';
export * from './data-gap.ts';
export * from './features.ts';
export * from './health-score.ts';
export * from './isolation-forest.ts';
export * from './random.ts';
export * from './rules.ts';
export * from './signal.ts';
export * from './stuck.ts';
export * from './types.ts';
