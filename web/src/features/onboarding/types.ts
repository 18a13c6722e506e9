/** GET /api/first-run: how far the plant is, and (admins) how field devices connect. */
export type { Connection, FirstRun } from '../../lib/api-types.ts';
