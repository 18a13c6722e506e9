import { allOf, type WorkRequestStatus } from '../../lib/api-types.ts';

export type { Accepted, AcceptInput, WorkRequest, WorkRequestInput } from '../../lib/api-types.ts';

export const WORK_REQUEST_STATUSES = allOf<WorkRequestStatus>()(['open', 'accepted', 'rejected']);

export const STATUS_WORD: Record<string, string> = {
  open: 'Waiting for a decision',
  accepted: 'Work order raised',
  rejected: 'Rejected',
} satisfies Record<WorkRequestStatus, string>;
