export interface Connection {
  broker: 'embedded' | 'external';
  /** null: this server's own address (the one the browser uses). */
  host: string | null;
  port: number | null;
  tls: boolean;
  loopback_only: boolean;
  auth_required: boolean;
  topic_prefix: string;
  tag: string;
  unit: string;
  value: number;
  tag_is_real: boolean;
}

export interface FirstRun {
  instruments: number;
  readings: boolean;
  active_users: number;
  complete: boolean;
  connection: Connection | null;
}
