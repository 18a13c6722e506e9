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
