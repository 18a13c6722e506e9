export type { User } from '../../lib/api-types.ts';
