import type { WorkOrder } from '../work-orders/types.ts';

export const WORK_REQUEST_STATUSES = ['open', 'accepted', 'rejected'] as const;

export const STATUS_WORD: Record<string, string> = {
  open: 'Waiting for a decision',
  accepted: 'Work order raised',
  rejected: 'Rejected',
};

export interface WorkRequest {
  id: number;
  instrument_id: number;
  tag: string;
  description: string;
  status: string;
  reported_by: number;
  reported_by_name: string | null;
  reviewed_by: number | null;
  reviewed_by_name: string | null;
  reviewed_at: string | null;
  review_notes: string | null;
  work_order_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface AcceptInput {
  title?: string;
  type?: string;
  priority?: string;
  assigned_to?: number | null;
  notes?: string | null;
}

export interface Accepted {
  request: WorkRequest;
  work_order: WorkOrder;
}
