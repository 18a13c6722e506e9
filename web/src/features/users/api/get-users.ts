import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { User } from '../types.ts';

export interface UserFilters {
  q?: string;
  role?: string;
  is_active?: boolean;
  limit?: number;
  offset?: number;
}

export const getUsers = (f: UserFilters) => apiRequest<Page<User>>('/api/users', { query: { ...f } });

export const usersQueryOptions = (f: UserFilters) =>
  queryOptions({
    queryKey: queryKeys.users.list({ ...f }),
    queryFn: () => getUsers(f),
    placeholderData: keepPreviousData,
  });

export const useUsers = (f: UserFilters, enabled = true) => useQuery({ ...usersQueryOptions(f), enabled });
