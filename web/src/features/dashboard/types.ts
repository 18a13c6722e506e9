export type { DashboardSummary, HealthCard } from '../../lib/api-types.ts';
