import type { AuditVerifyReport } from '../../lib/api-types.ts';

export type { AuditEntry, AuditVerifyReport } from '../../lib/api-types.ts';
export type AuditCheck = AuditVerifyReport['checks'][number];
export type AuditProblem = AuditVerifyReport['problems'][number];
