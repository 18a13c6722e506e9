export type { PmPlan, PmPlanInput, PmPlanPatch } from '../../lib/api-types.ts';
