// The simulator module's public surface.
export {
  type CliFault,
  parseFaultArg,
  parseSimulateArgs,
  SIMULATE_HELP,
  type SimulateDefaults,
  type SimulateOptions,
} from './cli-options.ts';
export { InvalidFaultError, InvalidInstrumentError, UnknownTagError } from './errors.ts';
export {
  FAULT_KINDS,
  type FaultKind,
  type FaultSpec,
  faultParams,
  parseFaultRequest,
  parseFaultSpec,
} from './fault-spec.ts';
export { type ActiveFault, InstrumentFaults, milliampsAt, valueAtMilliamps } from './faults.ts';
export { generateHistory, type HistoryOptions, type HistoryReading, type ScheduledFault } from './history.ts';
export { type RunSimulationDeps, runSimulation } from './run-simulation.ts';
export { SAMPLE_INSTRUMENTS } from './sample-instruments.ts';
export {
  createSignal,
  type InstrumentType,
  SIGNAL_PROFILES,
  type SignalGenerator,
  type SimInstrument,
} from './signals.ts';
export {
  Simulator,
  type SimulatorFaultStatus,
  type SimulatorLogger,
  type SimulatorOptions,
  type SimulatorStatus,
} from './simulator.ts';
