export type { DashboardSummary, HealthCard } from '../../lib/api-types.ts';
export type CardSort = 'problems' | 'health' | 'tag';
