import { type FormEvent, type ReactNode, useState } from 'react';
import { FormError } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { Modal } from '../../../components/Modal.tsx';
import { ApiError } from '../../../lib/api-client.ts';
import { clearStaleErrors } from '../../../lib/stale-errors.ts';
import { useCreateInstrument } from '../api/create-instrument.ts';
import { useUpdateInstrument } from '../api/update-instrument.ts';
import {
  CRITICALITIES,
  INSTRUMENT_STATUSES,
  INSTRUMENT_TYPES,
  type Instrument,
  type InstrumentInput,
  type InstrumentPatch,
  TYPE_WORD,
} from '../types.ts';

const TAG = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

type NumKey =
  | 'range_min'
  | 'range_max'
  | 'nominal_value'
  | 'accuracy_class'
  | 'calibration_interval_days'
  | 'alarm_low_critical'
  | 'alarm_low_warning'
  | 'alarm_high_warning'
  | 'alarm_high_critical'
  | 'alarm_deadband'
  | 'alarm_on_delay_seconds'
  | 'publish_interval_seconds'
  | 'stuck_deadband'
  | 'stuck_window_minutes'
  | 'signal_low_ma'
  | 'signal_high_ma'
  | 'max_rate_per_second'
  | 'cusum_k'
  | 'cusum_h';

type TextKey =
  | 'tag'
  | 'type'
  | 'measured_variable'
  | 'unit'
  | 'location'
  | 'equipment'
  | 'criticality'
  | 'status'
  | 'description';

const NUM_KEYS: NumKey[] = [
  'range_min',
  'range_max',
  'nominal_value',
  'accuracy_class',
  'calibration_interval_days',
  'alarm_low_critical',
  'alarm_low_warning',
  'alarm_high_warning',
  'alarm_high_critical',
  'alarm_deadband',
  'alarm_on_delay_seconds',
  'publish_interval_seconds',
  'stuck_deadband',
  'stuck_window_minutes',
  'signal_low_ma',
  'signal_high_ma',
  'max_rate_per_second',
  'cusum_k',
  'cusum_h',
];
/** Fields the server fills with a default when left out on create. */
const REQUIRED_NUM: NumKey[] = ['range_min', 'range_max'];
const NULLABLE_NUM = new Set<NumKey>([
  'nominal_value',
  'alarm_low_critical',
  'alarm_low_warning',
  'alarm_high_warning',
  'alarm_high_critical',
  'stuck_window_minutes',
  'max_rate_per_second',
  'cusum_k',
  'cusum_h',
]);
const INTEGER = new Set<NumKey>(['calibration_interval_days', 'alarm_on_delay_seconds']);

type FormState = Record<NumKey | TextKey, string> & {
  process_unit_id: string;
  use_predicted_interval: boolean;
};

function initial(i: Instrument | null): FormState {
  const s = {} as FormState;
  for (const k of NUM_KEYS) {
    const v = i?.[k];
    s[k] = v === null || v === undefined ? '' : String(v);
  }
  s.tag = i?.tag ?? '';
  s.type = i?.type ?? 'pressure';
  s.measured_variable = i?.measured_variable ?? '';
  s.unit = i?.unit ?? '';
  s.location = i?.location ?? '';
  s.equipment = i?.equipment ?? '';
  s.criticality = i?.criticality ?? 'medium';
  s.status = i?.status ?? 'active';
  s.description = i?.description ?? '';
  s.process_unit_id = i?.process_unit_id ? String(i.process_unit_id) : '';
  s.use_predicted_interval = i?.use_predicted_interval ?? false;
  return s;
}

type Errors = Partial<Record<keyof FormState, string>>;

function validate(s: FormState, isNew: boolean): { errors: Errors; values: InstrumentInput } {
  const errors: Errors = {};
  const values: Record<string, unknown> = {};
  if (isNew || s.tag) {
    if (!s.tag.trim()) errors.tag = 'Enter the tag number';
    else if (!TAG.test(s.tag.trim()))
      errors.tag = 'Letters, digits, dot, dash or underscore; start with a letter or digit';
    values.tag = s.tag.trim();
  }
  if (!s.unit.trim()) errors.unit = 'Enter the engineering unit';
  values.unit = s.unit.trim();
  values.type = s.type;
  values.criticality = s.criticality;
  values.status = s.status;
  values.use_predicted_interval = s.use_predicted_interval;
  for (const k of ['measured_variable', 'location', 'equipment', 'description'] as const)
    values[k] = s[k].trim() || null;
  values.process_unit_id = s.process_unit_id ? Number(s.process_unit_id) : null;

  const nums: Partial<Record<NumKey, number | null>> = {};
  for (const k of NUM_KEYS) {
    const raw = s[k].trim();
    if (raw === '') {
      if (REQUIRED_NUM.includes(k)) errors[k] = 'Required';
      else if (NULLABLE_NUM.has(k)) nums[k] = null;
      continue;
    }
    const n = Number(raw);
    if (!Number.isFinite(n)) errors[k] = 'Enter a number';
    else if (INTEGER.has(k) && !Number.isInteger(n)) errors[k] = 'Enter a whole number';
    else nums[k] = n;
  }
  const { range_min: lo, range_max: hi } = nums;
  if (typeof lo === 'number' && typeof hi === 'number') {
    if (hi <= lo) errors.range_max = 'Must be above the range minimum';
    else {
      const inside = (k: NumKey) => {
        const v = nums[k];
        if (typeof v === 'number' && (v < lo || v > hi)) errors[k] = `Must lie within ${lo} to ${hi}`;
      };
      for (const k of [
        'nominal_value',
        'alarm_low_critical',
        'alarm_low_warning',
        'alarm_high_warning',
        'alarm_high_critical',
      ] as NumKey[])
        inside(k);
      const order: NumKey[] = [
        'alarm_low_critical',
        'alarm_low_warning',
        'alarm_high_warning',
        'alarm_high_critical',
      ];
      let prev: NumKey | null = null;
      for (const k of order) {
        const v = nums[k];
        if (typeof v !== 'number') continue;
        const pv = prev ? nums[prev] : null;
        if (prev && typeof pv === 'number' && v <= pv && !errors[k])
          errors[k] = 'Limits must increase: LL < L < H < HH';
        prev = k;
      }
    }
  }
  if (typeof nums.accuracy_class === 'number' && (nums.accuracy_class <= 0 || nums.accuracy_class > 100))
    errors.accuracy_class = 'Between 0 and 100 % of span';
  if (
    typeof nums.calibration_interval_days === 'number' &&
    (nums.calibration_interval_days < 1 || nums.calibration_interval_days > 3650)
  )
    errors.calibration_interval_days = '1 to 3650 days';
  if (
    typeof nums.signal_low_ma === 'number' &&
    typeof nums.signal_high_ma === 'number' &&
    nums.signal_high_ma <= nums.signal_low_ma
  )
    errors.signal_high_ma = 'Must be above the low signal bound';
  Object.assign(values, nums);
  return { errors, values: values as InstrumentInput };
}

interface Props {
  instrument: Instrument | null;
  processUnits: { id: number; name: string }[];
  onClose: () => void;
  onSaved?: (i: Instrument) => void;
}

export function InstrumentForm({ instrument, processUnits, onClose, onSaved }: Props) {
  const create = useCreateInstrument();
  const update = useUpdateInstrument();
  const mutation = instrument ? update : create;
  const [s, setS] = useState<FormState>(() => initial(instrument));
  const [errors, setErrors] = useState<Errors>({});

  const set = (k: keyof FormState) => (e: { target: { value: string } }) =>
    setS((p) => ({ ...p, [k]: e.target.value }));
  const serverField = mutation.error instanceof ApiError ? mutation.error.field : null;
  const err = (k: keyof FormState) =>
    errors[k] ?? (serverField === k ? 'Not accepted by the server (see below)' : undefined);

  const num = (k: NumKey, label: string, hint?: ReactNode, required?: boolean) => (
    <Field label={label} error={err(k)} hint={hint} required={required}>
      {(p) => <input {...p} inputMode="decimal" value={s[k]} onChange={set(k)} />}
    </Field>
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { errors: errs, values } = validate(s, !instrument);
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const done = (i: Instrument) => {
      onSaved?.(i);
      onClose();
    };
    if (instrument) {
      // Send only what changed: an untouched field never overwrites a concurrent edit.
      const before = validate(initial(instrument), false).values as Record<string, unknown>;
      const patch: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(values)) if (before[k] !== v) patch[k] = v;
      if (Object.keys(patch).length === 0) {
        onClose();
        return;
      }
      update.mutate({ id: instrument.id, patch: patch as InstrumentPatch }, { onSuccess: done });
    } else {
      create.mutate(values, { onSuccess: done });
    }
  };

  return (
    <Modal
      wide
      title={instrument ? `Edit ${instrument.tag}` : 'Register an instrument'}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="instrument-form"
            className="button button-primary"
            disabled={mutation.isPending}
          >
            {mutation.isPending ? 'Saving…' : instrument ? 'Save changes' : 'Register instrument'}
          </button>
        </>
      }
    >
      <form
        id="instrument-form"
        onSubmit={submit}
        onChange={clearStaleErrors(errors, setErrors, mutation)}
        noValidate
      >
        <fieldset>
          <legend>Identity</legend>
          <div className="form-grid">
            <Field label="Tag" error={err('tag')} required>
              {(p) => (
                <input
                  {...p}
                  value={s.tag}
                  onChange={set('tag')}
                  disabled={!!instrument}
                  placeholder="PT-101"
                />
              )}
            </Field>
            <Field label="Type" required>
              {(p) => (
                <select {...p} value={s.type} onChange={set('type')}>
                  {INSTRUMENT_TYPES.map((t) => (
                    <option key={t} value={t}>
                      {TYPE_WORD[t]}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Measured variable" error={err('measured_variable')}>
              {(p) => (
                <input
                  {...p}
                  value={s.measured_variable}
                  onChange={set('measured_variable')}
                  placeholder="Gauge pressure"
                />
              )}
            </Field>
            <Field label="Unit" error={err('unit')} required>
              {(p) => <input {...p} value={s.unit} onChange={set('unit')} placeholder="bar" />}
            </Field>
          </div>
          <Field label="Description" error={err('description')}>
            {(p) => <input {...p} value={s.description} onChange={set('description')} />}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Range and alarm limits</legend>
          <div className="form-grid form-grid-4">
            {num('range_min', 'Range minimum (4 mA)', undefined, true)}
            {num('range_max', 'Range maximum (20 mA)', undefined, true)}
            {num('nominal_value', 'Nominal value')}
            {num('alarm_deadband', 'Alarm deadband')}
            {num('alarm_low_critical', 'Low-low (critical)')}
            {num('alarm_low_warning', 'Low (warning)')}
            {num('alarm_high_warning', 'High (warning)')}
            {num('alarm_high_critical', 'High-high (critical)')}
            {num('alarm_on_delay_seconds', 'On-delay (s)')}
          </div>
        </fieldset>
        <fieldset>
          <legend>Where and how important</legend>
          <div className="form-grid">
            <Field label="Process unit">
              {(p) => (
                <select {...p} value={s.process_unit_id} onChange={set('process_unit_id')}>
                  <option value="">No unit</option>
                  {processUnits.map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Location">
              {(p) => <input {...p} value={s.location} onChange={set('location')} />}
            </Field>
            <Field label="Equipment">
              {(p) => <input {...p} value={s.equipment} onChange={set('equipment')} />}
            </Field>
            <Field label="Criticality">
              {(p) => (
                <select {...p} value={s.criticality} onChange={set('criticality')}>
                  {CRITICALITIES.map((c) => (
                    <option key={c} value={c}>
                      {c[0].toUpperCase() + c.slice(1)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Status">
              {(p) => (
                <select {...p} value={s.status} onChange={set('status')}>
                  {INSTRUMENT_STATUSES.map((c) => (
                    <option key={c} value={c}>
                      {c === 'out_of_service'
                        ? 'Out of service'
                        : c === 'maintenance'
                          ? 'In maintenance'
                          : 'Active'}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        </fieldset>
        <fieldset>
          <legend>Calibration</legend>
          <div className="form-grid">
            {num('accuracy_class', 'Accuracy class (% of span)', 'The calibration tolerance.')}
            {num('calibration_interval_days', 'Calibration interval (days)')}
            <div className="field field-check">
              <label>
                <input
                  type="checkbox"
                  checked={s.use_predicted_interval}
                  onChange={(e) => setS((p) => ({ ...p, use_predicted_interval: e.target.checked }))}
                />{' '}
                Use the condition-based (predicted) interval
              </label>
            </div>
          </div>
        </fieldset>
        <details className="fieldset-details">
          <summary>Signal validation and detection settings</summary>
          <div className="form-grid form-grid-4">
            {num('publish_interval_seconds', 'Publish interval (s)')}
            {num('signal_low_ma', 'Signal low bound (mA)', 'NAMUR NE43: 3.8')}
            {num('signal_high_ma', 'Signal high bound (mA)', 'NAMUR NE43: 20.5')}
            {num('max_rate_per_second', 'Max rate of change (/s)')}
            {num('stuck_deadband', 'Stuck-sensor deadband')}
            {num('stuck_window_minutes', 'Stuck window (min)')}
            {num('cusum_k', 'CUSUM k (σ)', 'Empty: plant default')}
            {num('cusum_h', 'CUSUM h (σ)', 'Empty: plant default')}
          </div>
        </details>
        <FormError error={mutation.error} />
      </form>
    </Modal>
  );
}
