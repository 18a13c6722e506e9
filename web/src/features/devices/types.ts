export type { Device, DeviceInput, Installation } from '../../lib/api-types.ts';
