/**
 * Machine learning: reference baselines, Isolation Forest training (a background job in a worker
 * thread), versioned models and live anomaly scoring. (The rule-based health score and the status
 * route are in src/instruments/.)
 *
 *   startMl(ctx)            registers the 'ml.train' job and starts the live scorer; returns it (a
 *                           ReadingSink for the ingestion pipeline) and sets ctx.anomaly.
 *   mlRoutes                /api/ml/*.
 */
import type { AppContext } from '../context.ts';
import { AnomalyScorer } from './anomaly-scorer.ts';
import { registerTrainingJob } from './training-service.ts';

export { mlRoutes } from './routes.ts';

export async function startMl(ctx: AppContext): Promise<AnomalyScorer> {
  registerTrainingJob(ctx);
  const scorer = new AnomalyScorer({
    db: ctx.db,
    config: ctx.config,
    clock: ctx.clock,
    log: ctx.log,
    events: ctx.events,
  });
  await scorer.start();
  ctx.anomaly = scorer;
  ctx.health.set('anomaly', () => scorer.health());
  return scorer;
}
