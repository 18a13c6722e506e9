export type { FaultInput, SimulatorFault, SimulatorStatus } from '../../lib/api-types.ts';

interface ParamDef {
  key: string;
  label: string;
  default?: string;
  required?: boolean;
  choices?: string[];
}

/** The injectable faults and their parameters (the server checks them and names a bad one). */
export const FAULTS: Record<string, { label: string; hint: string; params: ParamDef[] }> = {
  drift: {
    label: 'Drift',
    hint: 'Slow shift of the reading — caught by CUSUM',
    params: [{ key: 'ratePctPerDay', label: 'Rate (% of span per day)', default: '20', required: true }],
  },
  bias: {
    label: 'Step bias',
    hint: 'Sudden offset of the reading',
    params: [{ key: 'offsetPct', label: 'Offset (% of span)', default: '5', required: true }],
  },
  stuck: {
    label: 'Stuck value',
    hint: 'Frozen signal — stuck-sensor detector',
    params: [{ key: 'value', label: 'Value (empty: hold last)' }],
  },
  spike: {
    label: 'Spikes',
    hint: 'Occasional spikes — rate-of-change check',
    params: [
      { key: 'magnitudePct', label: 'Magnitude (% of span)' },
      { key: 'intervalSeconds', label: 'Every (s)' },
    ],
  },
  out_of_range: {
    label: 'Out of range (burn-out)',
    hint: 'Loop current outside 3.8–20.5 mA — hardware fault',
    params: [{ key: 'direction', label: 'Direction', default: 'high', choices: ['high', 'low'] }],
  },
  dropout: { label: 'Dropout', hint: 'Stops publishing — data gap', params: [] },
  oscillation: {
    label: 'Oscillation',
    hint: 'Hunting control loop — anomaly model',
    params: [
      { key: 'periodSeconds', label: 'Period (s)', default: '60', required: true },
      { key: 'amplitudePct', label: 'Amplitude (% of span)' },
    ],
  },
};
