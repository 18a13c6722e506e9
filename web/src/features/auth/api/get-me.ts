import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import type { User } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

/** GET /api/auth/me: the logged-in user. */
export type Me = User;

export const getMe = () => apiRequest<Me>('/api/auth/me');

export const meQueryOptions = () => queryOptions({ queryKey: queryKeys.me, queryFn: getMe });

export const useMe = () => useQuery(meQueryOptions());
