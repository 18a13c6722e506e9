import type { ModelGroupVersion as ServerGroupVersion } from '../../lib/api-types.ts';

export type {
  Baseline,
  CreatedBaseline,
  ModelGroup,
  ModelGroupDetail,
  ModelVersion,
  NewModelGroup,
} from '../../lib/api-types.ts';

export type ResidualCusum = NonNullable<
  NonNullable<import('../../lib/api-types.ts').ModelGroupDetail['live']>['members'][number]['residual_cusum']
>;

interface ModelPart {
  rows: number;
  components: number;
  explained_variance: number;
}

/**
 * A trained group model. The server declares `metrics` open-ended (a record); these are the parts
 * the page reads, each optional.
 */
export type ModelGroupVersion = Omit<ServerGroupVersion, 'metrics'> & {
  metrics: { drift?: ModelPart | null; anomaly?: ModelPart | null; notes?: string[] };
};
