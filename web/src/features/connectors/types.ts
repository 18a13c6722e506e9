/** A connector source with its live status (GET /api/connectors/sources), and its kinds' shapes. */
export type {
  ConnectorKind,
  ConnectorSource,
  ConnectorStatus,
  ConnectorTestResult,
} from '../../lib/api-types.ts';
