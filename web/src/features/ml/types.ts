export interface Baseline {
  id: number;
  instrument_id?: number;
  tag?: string;
  start: string;
  end: string;
  created_at?: string;
  created_by_name?: string | null;
  /** Only on the answer to a create: what the range holds for training. */
  windows?: number;
  readings?: number;
}

export interface ModelVersion {
  id?: number;
  tag: string;
  version: number;
  trained_at: string;
  trained_by?: number | null;
  trained_by_name?: string | null;
  windows_used: number;
  contamination: number;
  threshold?: number;
  feature_set_version: number;
  is_active: boolean;
  metrics?: Record<string, unknown> | null;
}

/** Lists may come as a page or a bare array; the screens want the array. */
export function itemsOf<T>(r: T[] | { items: T[] }): T[] {
  return Array.isArray(r) ? r : r.items;
}

/** A model group: instruments modelled together (residual drift and the group's T² anomaly score). */
export interface ModelGroup {
  id: number;
  name: string;
  description: string | null;
  process_unit_id: number | null;
  process_unit_name: string | null;
  drift_window_seconds: number;
  anomaly_window_samples: number;
  is_enabled: boolean;
  members: { id: number; tag: string }[];
  active_version: number | null;
  active_trained_at: string | null;
}

export interface ResidualCusum {
  s_plus: number;
  s_minus: number;
  h: number;
  alarm_up: boolean;
  alarm_down: boolean;
  last_z: number | null;
  windows_processed: number;
}

export interface ModelGroupDetail extends ModelGroup {
  live: {
    version: number;
    members: { instrument_id: number; tag: string; residual_cusum: ResidualCusum | null }[];
    anomaly: { active: boolean; score: number | null; scored_at: string | null } | null;
  } | null;
}

interface ModelPart {
  rows: number;
  components: number;
  explained_variance: number;
}

export interface ModelGroupVersion {
  id: number;
  version: number;
  trained_at: string;
  trained_by_name: string | null;
  member_ids: number[];
  metrics: { drift?: ModelPart | null; anomaly?: ModelPart | null; notes?: string[] };
  is_active: boolean;
}
