export interface ProcessUnit {
  id: number;
  name: string;
  description: string | null;
  plant_area: string | null;
  instrument_count: number;
  created_at: string;
  updated_at: string;
}

export interface ProcessUnitInput {
  name: string;
  description?: string | null;
  plant_area?: string | null;
}
