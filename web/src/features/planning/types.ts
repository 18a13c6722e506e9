export type UpcomingKind = 'calibration' | 'pm' | 'work_order';

export interface UpcomingItem {
  kind: UpcomingKind;
  due_at: string;
  instrument_id: number;
  tag: string;
  process_unit_id: number | null;
  process_unit_name: string | null;
  title: string;
  assigned_to: number | null;
  assigned_to_name: string | null;
  work_order_id: number | null;
  pm_plan_id: number | null;
  priority: string | null;
  status: string | null;
  overdue: boolean;
}

export interface Upcoming {
  from: string;
  to: string;
  days: number;
  time_zone: string;
  total: number;
  overdue: UpcomingItem[];
  by_day: { date: string; items: UpcomingItem[] }[];
}

export interface UpcomingFilters {
  days: number;
  process_unit_id?: number;
  assigned_to?: number;
}
