/** GET /api/planning/upcoming: its filters and what falls due, by day. */
export type { Upcoming, UpcomingFilters, UpcomingItem, UpcomingKind } from '../../lib/api-types.ts';
