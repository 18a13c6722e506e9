import { queryOptions, useQuery } from '@tanstack/react-query';
import { apiRequest, type Page } from '../../../lib/api-client.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export interface Notification {
  id: number;
  work_order_id: number | null;
  /** assignment | sla_breach */
  kind: string;
  message: string;
  read: boolean;
  read_at: string | null;
  created_at: string;
}

export interface NotificationPage extends Page<Notification> {
  unread_count: number;
}

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
