import type { Static, TSchema } from 'typebox';
import type { alarmKpis } from '../../../src/alerts/alarm-kpis.ts';
import type {
  OutOfServiceState as OutOfServiceStateSchema,
  Period,
} from '../../../src/alerts/alarm-routes.ts';
import type { AlarmEventsSchema, AlertSchema, ShelveBody } from '../../../src/alerts/routes.ts';
import type { AttachmentSchema } from '../../../src/attachments/routes.ts';
import type { AuditItem, AuditReport } from '../../../src/audit/routes.ts';
import type { ChangePasswordBody, LoginBody, LoginResponseSchema } from '../../../src/auth/routes.ts';
import type {
  CalibrationImportBody,
  CalibrationImportResultSchema,
} from '../../../src/calibration/import-routes.ts';
import type { ImpactAssessmentSchema, ReviewFlagSchema } from '../../../src/calibration/outcome-routes.ts';
import type { NominalPoint, ProcedureDirection } from '../../../src/calibration/procedure-points.ts';
import type {
  CreateProcedureBody,
  InstrumentProcedureSchema,
  ProcedureSchema,
} from '../../../src/calibration/procedure-schemas.ts';
import type {
  CalibrationIntervalSchema,
  CalibrationSchema,
  CalibrationWarningSchema,
  CorrectionSchema,
  CreateCalibrationBody,
  PointSchema,
} from '../../../src/calibration/schemas.ts';
import type { ToleranceRule } from '../../../src/calibration/tolerances.ts';
import type { TransferFunction } from '../../../src/calibration/transfer-functions.ts';
import type { ModbusConfigSchema, ModbusPointSchema } from '../../../src/connectors/modbus/schemas.ts';
import type { OpcuaConfigSchema, OpcuaPointSchema } from '../../../src/connectors/opcua/schemas.ts';
import type {
  ConnectorSourceSchema,
  ConnectorStatusSchema,
  ConnectorTestResult as ConnectorTestResultSchema,
} from '../../../src/connectors/routes.ts';
import type {
  SparkplugConfigSchema,
  SparkplugPointSchema,
} from '../../../src/connectors/sparkplug/schemas.ts';
import type { ConnectorKind } from '../../../src/connectors/types.ts';
import type { HealthCard as HealthCardSchema, Summary } from '../../../src/dashboard/routes.ts';
import type {
  CreateDeviceBody,
  DeviceSchema,
  DeviceStatus as DeviceStatusSchema,
  InstallationSchema,
} from '../../../src/devices/schemas.ts';
import type {
  GatewaySchema,
  GatewayWithPassword as GatewayWithPasswordSchema,
} from '../../../src/gateways/schemas.ts';
import type { ErrorBody, Page as PageSchema } from '../../../src/http/schemas.ts';
import type { ImportAnswerSchema, ImportProblemSchema } from '../../../src/imports/schemas.ts';
import type {
  CreateInstrumentBody,
  InstrumentSchema,
  InstrumentStatusSchema,
  PatchInstrumentBody,
  RangeChangeSchema,
} from '../../../src/instruments/schemas.ts';
import type { JobAccepted as JobAcceptedSchema, JobSchema } from '../../../src/jobs/schemas.ts';
import type { CreateMaintenanceBody, MaintenanceSchema } from '../../../src/maintenance/routes.ts';
import type {
  GroupBody,
  GroupDetailSchema,
  GroupSchema,
  GroupVersionSchema,
} from '../../../src/ml/group-schemas.ts';
import type {
  BaselineBody,
  BaselineSchema,
  CreatedBaselineSchema,
  ModelVersionSchema,
} from '../../../src/ml/schemas.ts';
import type { NotificationPageSchema, NotificationSchema } from '../../../src/notifications/routes.ts';
import type { ConnectionSchema, FirstRunSchema } from '../../../src/onboarding/schemas.ts';
import type {
  UpcomingItemSchema,
  UpcomingQuerySchema,
  UpcomingSchema,
} from '../../../src/planning/schemas.ts';
import type { CreatePlanBody, PatchPlanBody, PlanSchema } from '../../../src/pm/routes.ts';
import type { ProcessUnitBody, ProcessUnit as ProcessUnitSchema } from '../../../src/process-units/routes.ts';
import type { TrendSchema } from '../../../src/readings/routes.ts';
import type {
  CertificateSchema,
  CreateCertificateBody,
  CreateStandardBody,
  ReferenceStandardSchema,
} from '../../../src/reference-standards/routes.ts';
import type {
  ColumnSchema,
  ReportJobAccepted as ReportJobAcceptedSchema,
  ReportJson as ReportJsonSchema,
} from '../../../src/reports/schemas.ts';
import type {
  DomainErrorCode,
  ErrorCode,
  HttpErrorCode,
  NotFoundEntity,
} from '../../../src/shared/errors.ts';
import type {
  MeaningSchema,
  PolicySchema,
  RecordSignaturesSchema,
  RecordTypeSchema,
  SignatureSchema,
  SignBody,
} from '../../../src/signatures/schemas.ts';
import type { FaultStatusSchema, InjectFaultBody, StatusSchema } from '../../../src/simulator/routes.ts';
import type { CreatedUserSchema, PasswordResetSchema } from '../../../src/users/routes.ts';
import type { CreateUserBody, PatchUserBody, RoleSchema, UserSchema } from '../../../src/users/schemas.ts';
import type {
  CreateWorkOrderBody,
  FromAlertBody,
  PatchWorkOrderBody,
  WorkOrderSchema,
} from '../../../src/work-orders/routes.ts';
import type {
  AcceptedWorkRequestSchema,
  AcceptWorkRequestBody,
  CreateWorkRequestBody,
  WorkRequestSchema,
} from '../../../src/work-requests/routes.ts';

// The API's types, taken from the server's own TypeBox schemas (the ones its routes validate
// requests and serialise responses with), so the web app cannot drift from what is on the wire.
// Type-only imports: `import type` is erased by the build, no server code reaches the bundle
// (test/foundation/web-api-types.test.ts holds the web app to that).

type S<T extends TSchema> = Static<T>;

export type { DomainErrorCode, ErrorCode, HttpErrorCode, NotFoundEntity };
export type ApiErrorBody = S<typeof ErrorBody>;

/** A page of a list: `{ items, total, limit, offset }` (http/schemas.ts `Page`). */
export type Page<T> = Omit<S<ReturnType<typeof PageSchema<TSchema>>>, 'items'> & { items: T[] };

// auth and users
export type Role = S<typeof RoleSchema>;
export type User = S<typeof UserSchema>;
export type LoginInput = S<typeof LoginBody>;
export type LoginResponse = S<typeof LoginResponseSchema>;
export type ChangePasswordInput = S<typeof ChangePasswordBody>;
export type CreateUserInput = S<typeof CreateUserBody>;
export type UserPatch = S<typeof PatchUserBody>;
export type CreatedUser = S<typeof CreatedUserSchema>;
export type PasswordReset = S<typeof PasswordResetSchema>;

// process units, instruments, devices
export type ProcessUnit = S<typeof ProcessUnitSchema>;
export type ProcessUnitInput = S<typeof ProcessUnitBody>;
export type Instrument = S<typeof InstrumentSchema>;
export type InstrumentInput = S<typeof CreateInstrumentBody>;
export type InstrumentPatch = S<typeof PatchInstrumentBody>;
export type RangeChange = S<typeof RangeChangeSchema>;
export type InstrumentStatusBody = S<typeof InstrumentStatusSchema>;
export type OutOfServicePeriod = S<typeof Period>;
export type OutOfServiceState = S<typeof OutOfServiceStateSchema>;
export type Device = S<typeof DeviceSchema>;
export type DeviceInput = S<typeof CreateDeviceBody>;
export type DeviceStatus = S<typeof DeviceStatusSchema>;
export type Installation = S<typeof InstallationSchema>;

// alerts and alarm management
export type Alert = S<typeof AlertSchema>;
export type AlarmEvent = S<typeof AlarmEventsSchema>[number];
export type ShelveInput = S<typeof ShelveBody>;
/** GET /api/alarm-kpis has no response schema: its type is the service's result. */
export type AlarmKpis = Awaited<ReturnType<typeof alarmKpis>>;

// calibration
export type CalibrationPoint = S<typeof PointSchema>;
export type CalibrationWarning = S<typeof CalibrationWarningSchema>;
export type Calibration = S<typeof CalibrationSchema>;
export type CalibrationInput = S<typeof CreateCalibrationBody>;
export type CalibrationCorrection = S<typeof CorrectionSchema>;
export type CalibrationInterval = S<typeof CalibrationIntervalSchema>;
/**
 * The procedure answer declares its tolerance rule, transfer function and directions as open
 * strings; they are what the body schema accepted, so the calibration domain types narrow them.
 */
export type CalibrationProcedure = Omit<
  S<typeof ProcedureSchema>,
  'tolerance' | 'transfer_function' | 'direction' | 'sequence'
> & {
  tolerance: ToleranceRule;
  transfer_function: TransferFunction | null;
  direction: ProcedureDirection;
  sequence: NominalPoint[];
};
export type ProcedureInput = S<typeof CreateProcedureBody>;
export type InstrumentProcedure = Omit<S<typeof InstrumentProcedureSchema>, 'procedure'> & {
  procedure: CalibrationProcedure | null;
};
export type CalibrationImportInput = S<typeof CalibrationImportBody>;
export type CalibrationImportResult = S<typeof CalibrationImportResultSchema>;
export type ImpactAssessment = S<typeof ImpactAssessmentSchema>;
export type ReviewFlag = S<typeof ReviewFlagSchema>;
export type ReferenceStandard = S<typeof ReferenceStandardSchema>;
export type ReferenceStandardInput = S<typeof CreateStandardBody>;
export type StandardCertificate = S<typeof CertificateSchema>;
export type CertificateInput = S<typeof CreateCertificateBody>;

// maintenance, PM, work orders and requests
export type MaintenanceRecord = S<typeof MaintenanceSchema>;
export type MaintenanceInput = S<typeof CreateMaintenanceBody>;
export type PmPlan = S<typeof PlanSchema>;
export type PmPlanInput = S<typeof CreatePlanBody>;
export type PmPlanPatch = S<typeof PatchPlanBody>;
export type WorkOrder = S<typeof WorkOrderSchema>;
export type WorkOrderInput = S<typeof CreateWorkOrderBody>;
export type WorkOrderFromAlertInput = S<typeof FromAlertBody>;
export type WorkOrderPatch = S<typeof PatchWorkOrderBody>;
export type WorkRequest = S<typeof WorkRequestSchema>;
export type WorkRequestInput = S<typeof CreateWorkRequestBody>;
export type AcceptInput = S<typeof AcceptWorkRequestBody>;
export type Accepted = S<typeof AcceptedWorkRequestSchema>;
export type UpcomingItem = S<typeof UpcomingItemSchema>;
export type UpcomingKind = UpcomingItem['kind'];
export type Upcoming = S<typeof UpcomingSchema>;
export type UpcomingFilters = S<typeof UpcomingQuerySchema>;

// signatures and attachments
export type RecordType = S<typeof RecordTypeSchema>;
export type Meaning = S<typeof MeaningSchema>;
export type Signature = S<typeof SignatureSchema>;
export type RecordSignatures = S<typeof RecordSignaturesSchema>;
export type SignaturePolicy = S<typeof PolicySchema>;
export type SignInput = S<typeof SignBody>;
export type Attachment = S<typeof AttachmentSchema>;

// monitoring, ML, dashboard
export type TrendSeries = S<typeof TrendSchema>;
export type HealthCard = S<typeof HealthCardSchema>;
export type DashboardSummary = S<typeof Summary>;
export type Baseline = S<typeof BaselineSchema>;
export type CreatedBaseline = S<typeof CreatedBaselineSchema>;
export type BaselineInput = S<typeof BaselineBody>;
export type ModelVersion = S<typeof ModelVersionSchema>;
export type ModelGroup = S<typeof GroupSchema>;
export type ModelGroupDetail = S<typeof GroupDetailSchema>;
export type ModelGroupVersion = S<typeof GroupVersionSchema>;
export type NewModelGroup = S<typeof GroupBody>;

// jobs, reports, audit, notifications, gateways, simulator
export type Job = S<typeof JobSchema>;
export type JobAccepted = S<typeof JobAcceptedSchema>;
export type ReportJson = S<typeof ReportJsonSchema>;
export type ReportColumn = S<typeof ColumnSchema>;
export type ReportJobAccepted = S<typeof ReportJobAcceptedSchema>;
export type AuditEntry = S<typeof AuditItem>;
export type AuditVerifyReport = S<typeof AuditReport>;
export type Notification = S<typeof NotificationSchema>;
export type NotificationPage = S<typeof NotificationPageSchema>;
export type Gateway = S<typeof GatewaySchema>;
export type GatewayWithPassword = S<typeof GatewayWithPasswordSchema>;
export type SimulatorStatus = S<typeof StatusSchema>;
export type ConnectorSource = S<typeof ConnectorSourceSchema>;
export type ConnectorStatus = S<typeof ConnectorStatusSchema>;
export type ConnectorTestResult = S<typeof ConnectorTestResultSchema>;
/** Each kind's config and point mapping, as its TypeBox schema declares them (src/connectors/<kind>/schemas.ts). */
export type ModbusConfig = S<typeof ModbusConfigSchema>;
export type ModbusPoint = S<typeof ModbusPointSchema>;
export type OpcuaConfig = S<typeof OpcuaConfigSchema>;
export type OpcuaPoint = S<typeof OpcuaPointSchema>;
export type SparkplugConfig = S<typeof SparkplugConfigSchema>;
export type SparkplugPoint = S<typeof SparkplugPointSchema>;
export type { ConnectorKind };
export type SimulatorFault = S<typeof FaultStatusSchema>;
export type FaultInput = S<typeof InjectFaultBody>;

// first run and imports
export type FirstRun = S<typeof FirstRunSchema>;
/** How field devices connect to the broker, for the first-run guide's mosquitto_pub example. */
export type Connection = S<typeof ConnectionSchema>;
export type ImportAnswer = S<typeof ImportAnswerSchema>;
export type ImportKind = ImportAnswer['kind'];
export type ImportProblem = S<typeof ImportProblemSchema>;

// The server's fixed lists, as types: the web's option lists are checked against them.
export type AlertType = typeof import('../../../src/alerts/types.ts')['ALERT_TYPES'][number];
export type Severity = typeof import('../../../src/alerts/types.ts')['SEVERITIES'][number];
export type InstrumentType = typeof import('../../../src/instruments/schemas.ts')['INSTRUMENT_TYPES'][number];
export type Criticality = typeof import('../../../src/instruments/schemas.ts')['CRITICALITIES'][number];
export type InstrumentState =
  typeof import('../../../src/instruments/schemas.ts')['INSTRUMENT_STATUSES'][number];
export type MaintenanceAction =
  typeof import('../../../src/maintenance/maintenance-records.ts')['MAINTENANCE_ACTION_TYPES'][number];
export type WorkOrderType =
  typeof import('../../../src/work-orders/lifecycle.ts')['WORK_ORDER_TYPES'][number];
export type WorkOrderPriority =
  typeof import('../../../src/work-orders/lifecycle.ts')['WORK_ORDER_PRIORITIES'][number];
export type WorkOrderStatus =
  typeof import('../../../src/work-orders/lifecycle.ts')['WORK_ORDER_STATUSES'][number];
export type WorkRequestStatus =
  typeof import('../../../src/work-requests/work-request-service.ts')['WORK_REQUEST_STATUSES'][number];

/**
 * A web list of every value of a server union, in the web's order: a value the server does not
 * have, or one it has that the list lacks, fails typecheck.
 */
export const allOf =
  <T extends string>() =>
  <const L extends readonly T[]>(
    list: L & (Exclude<T, L[number]> extends never ? unknown : { missing: Exclude<T, L[number]> }),
  ) =>
    list;
