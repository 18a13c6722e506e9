export interface Device {
  id: number;
  manufacturer: string;
  model: string;
  serial_number: string;
  device_type: string | null;
  unit: string | null;
  range_min: number | null;
  range_max: number | null;
  notes: string | null;
  status: 'installed' | 'spare' | 'retired';
  installed_instrument_id: number | null;
  installed_tag: string | null;
  installed_at: string | null;
}

export interface Installation {
  id: number;
  device_id: number;
  instrument_id: number;
  tag: string;
  manufacturer: string;
  model: string;
  serial_number: string;
  installed_at: string;
  removed_at: string | null;
  current: boolean;
  installed_by_name: string | null;
  removed_by_name: string | null;
  reason: string | null;
  removal_reason: string | null;
}

export interface DeviceInput {
  manufacturer: string;
  model: string;
  serial_number: string;
  device_type?: string | null;
  unit?: string | null;
  range_min?: number | null;
  range_max?: number | null;
  notes?: string | null;
}
