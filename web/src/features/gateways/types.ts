/** A field gateway's login to the embedded MQTT broker (GET /api/gateways). */
export interface Gateway {
  id: number;
  username: string;
  description: string | null;
  is_active: boolean;
  password_changed_at: string;
  created_at: string;
  updated_at: string;
  connections: number;
}
