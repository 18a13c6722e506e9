import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client.ts';
import type { Notification, NotificationPage } from '../../../lib/api-types.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export type { Notification, NotificationPage };

export const NOTIFICATION_POLL_MS = 30_000;

export const getUnreadNotifications = () =>
  apiRequest<NotificationPage>('/api/notifications', { query: { limit: 20 } });

export const unreadNotificationsQueryOptions = () =>
  queryOptions({
    queryKey: queryKeys.notifications.all,
    queryFn: getUnreadNotifications,
    refetchInterval: NOTIFICATION_POLL_MS,
    refetchIntervalInBackground: true,
  });

export const useUnreadNotifications = () => useQuery(unreadNotificationsQueryOptions());
