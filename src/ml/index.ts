/**
 * Machine learning: reference baselines, Isolation Forest training (a background job in a worker
 * thread), versioned models and live anomaly scoring. (The rule-based health score and the status
 * route are in src/instruments/.)
 *
 *   startAnomalyScorer(core, deps)  starts the live scorer; returns it (a ReadingSink for the
 *                           ingestion pipeline, and the context's `anomaly` view).
 *   registerTrainingJob(ctx) the 'ml.train' job (once the context is composed).
 *   mlRoutes                /api/ml/*.
 */
import type { CoreContext } from '../context.ts';
import { AnomalyScorer, type AnomalyScorerDeps } from './anomaly-scorer.ts';

export { mlRoutes } from './routes.ts';
export { registerTrainingJob } from './training-service.ts';

export async function startAnomalyScorer(
  core: CoreContext,
  deps: Pick<AnomalyScorerDeps, 'instruments' | 'aggregator'>,
): Promise<AnomalyScorer> {
  const scorer = new AnomalyScorer({
    db: core.db,
    config: core.config,
    clock: core.clock,
    log: core.log,
    events: core.events,
    ...deps,
  });
  await scorer.start();
  core.health.set('anomaly', () => scorer.health());
  return scorer;
}
