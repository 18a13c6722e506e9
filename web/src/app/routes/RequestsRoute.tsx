import { RequestsPage } from '../../features/work-requests/components/RequestsPage.tsx';
import { useIsAdmin } from '../../lib/session.ts';
import { useAssigneeOptions } from '../options.ts';

export function RequestsRoute() {
  return <RequestsPage isAdmin={useIsAdmin()} assignees={useAssigneeOptions()} />;
}
