// What `simulate` does once its options are parsed and the instruments loaded: select the tags,
// inject the requested faults, publish until the duration ends or the process is interrupted.

import type { SimulateOptions } from './cli-options.ts';
import { UnknownTagError } from './errors.ts';
import type { SimInstrument } from './signals.ts';
import { Simulator, type SimulatorLogger, type SimulatorStatus } from './simulator.ts';

export interface RunSimulationDeps {
  instruments: readonly SimInstrument[];
  logger?: SimulatorLogger;
  /** Ends the run early; without it SIGINT / SIGTERM do. */
  signal?: AbortSignal;
}

/** Runs the simulator and resolves with its final status once stopped. */
export async function runSimulation(
  options: SimulateOptions,
  deps: RunSimulationDeps,
): Promise<SimulatorStatus> {
  const byTag = new Map(deps.instruments.map((i) => [i.tag, i]));
  const selected = options.tags === null ? [...deps.instruments] : options.tags.map((tag) => byTag.get(tag));
  const missing = options.tags?.find((tag) => !byTag.has(tag));
  if (missing !== undefined) throw new UnknownTagError(missing);
  for (const f of options.faults) if (!byTag.has(f.tag)) throw new UnknownTagError(f.tag);

  const sim = new Simulator({
    brokerUrl: options.brokerUrl,
    username: options.username,
    password: options.password,
    instruments: selected.filter((i): i is SimInstrument => i !== undefined),
    rateMultiplier: options.rateMultiplier,
    topicPrefix: options.topicPrefix,
    seed: options.seed,
    logger: deps.logger,
  });
  for (const f of options.faults) sim.injectFault(f.tag, f.spec);
  sim.start();

  await new Promise<void>((resolve) => {
    const timer =
      options.durationSeconds === null ? null : setTimeout(finish, options.durationSeconds * 1000);
    const onSignal = (): void => finish();
    if (deps.signal) deps.signal.addEventListener('abort', onSignal, { once: true });
    else {
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    }
    if (deps.signal?.aborted) finish();
    function finish(): void {
      if (timer) clearTimeout(timer);
      deps.signal?.removeEventListener('abort', onSignal);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve();
    }
  });
  await sim.stop();
  return sim.status();
}
