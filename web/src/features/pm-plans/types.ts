export interface PmPlan {
  id: number;
  instrument_id: number;
  tag: string;
  task: string;
  interval_days: number;
  next_due: string;
  due: boolean;
  priority: string;
  assigned_to: number | null;
  assigned_to_name: string | null;
  is_active: boolean;
  last_work_order_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface PmPlanInput {
  task: string;
  interval_days: number;
  next_due?: string;
  priority?: string;
  assigned_to?: number | null;
  is_active?: boolean;
}
