import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { SessionUser } from '../../../lib/session.ts';

export interface Me extends SessionUser {
  is_active: boolean;
  last_login_at: string | null;
}

export const getMe = () => apiRequest<Me>('/api/auth/me');

export const meQueryOptions = () => queryOptions({ queryKey: queryKeys.me, queryFn: getMe });

export const useMe = () => useQuery(meQueryOptions());
