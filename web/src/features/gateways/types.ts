/** A field gateway's login to the embedded MQTT broker (GET /api/gateways). */
export type { Gateway } from '../../lib/api-types.ts';
