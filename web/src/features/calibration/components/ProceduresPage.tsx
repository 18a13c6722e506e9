import { type FormEvent, useState } from 'react';
import { EmptyState, FormError, QueryState } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { INSTRUMENT_TYPES } from '../../instruments/types.ts';
import { useAssignProcedure, useCreateProcedure, useProcedures } from '../api/procedures.ts';
import { describeRule } from '../calibration-math.ts';
import type { CalibrationProcedure, ProcedureInput } from '../types.ts';

const TYPES = INSTRUMENT_TYPES;
const DIRECTIONS = { up: 'Upscale', down: 'Downscale', up_down: 'Up and down' } as const;
const TRANSFER = {
  none: 'Input = output',
  linear: 'Linear (other input)',
  sqrt: 'Square root (flow from DP)',
  pt100: 'Pt100 RTD (ohm)',
  type_k: 'Type K thermocouple (mV)',
} as const;

function NewProcedureModal({ onClose }: { onClose: () => void }) {
  const create = useCreateProcedure();
  const [v, setV] = useState({
    name: '',
    points: '0, 25, 50, 75, 100',
    direction: 'up_down' as keyof typeof DIRECTIONS,
    cycles: '1',
    mode: 'pct_span',
    fail: '0.5',
    adjust: '',
    guard: '',
    guardU: false,
    transfer: 'none' as keyof typeof TRANSFER,
    inMin: '',
    inMax: '',
    inUnit: '',
    reduced: false,
  });
  const [err, setErr] = useState<string | null>(null);
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) =>
    setV((s) => ({ ...s, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const points = v.points
      .split(/[,\s;]+/)
      .filter(Boolean)
      .map(Number);
    if (!v.name.trim()) return setErr('Enter a name');
    if (points.length === 0 || points.some((p) => !(p >= 0 && p <= 100)))
      return setErr('Test points are numbers from 0 to 100 (% of span)');
    const num = (s: string) => (s.trim() === '' ? null : Number(s));
    const tf =
      v.transfer === 'none'
        ? null
        : v.transfer === 'pt100' || v.transfer === 'type_k'
          ? { kind: v.transfer }
          : {
              kind: v.transfer,
              input_min: Number(v.inMin),
              input_max: Number(v.inMax),
              input_unit: v.inUnit.trim(),
            };
    setErr(null);
    create.mutate(
      {
        name: v.name.trim(),
        test_points: points,
        direction: v.direction,
        cycles: Number(v.cycles),
        tolerance: {
          mode: v.mode as ProcedureInput['tolerance']['mode'],
          fail_limit: Number(v.fail),
          adjust_limit: num(v.adjust),
          guard_band_pct: num(v.guard),
          guard_band_uncertainty: v.guardU,
        },
        transfer_function: tf as ProcedureInput['transfer_function'],
        allow_reduced_check: v.reduced,
      },
      { onSuccess: onClose },
    );
  };
  return (
    <Modal
      wide
      title="New calibration procedure"
      onClose={onClose}
      footer={
        <FormFooter
          formId="procedure-form"
          onCancel={onClose}
          pending={create.isPending}
          pendingLabel="Saving…"
          label="Create"
        />
      }
    >
      <form id="procedure-form" onSubmit={submit} noValidate className="form-grid">
        <Field label="Name" required>
          {(p) => <input {...p} value={v.name} onChange={set('name')} />}
        </Field>
        <Field label="Test points (% of span)" required hint="e.g. 0, 25, 50, 75, 100">
          {(p) => <input {...p} value={v.points} onChange={set('points')} />}
        </Field>
        <Field label="Direction">
          {(p) => (
            <select {...p} value={v.direction} onChange={set('direction')}>
              {Object.entries(DIRECTIONS).map(([k, l]) => (
                <option key={k} value={k}>
                  {l}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Cycles" hint="Repeats give repeatability">
          {(p) => <input {...p} type="number" min={1} max={5} value={v.cycles} onChange={set('cycles')} />}
        </Field>
        <Field label="Tolerance as">
          {(p) => (
            <select {...p} value={v.mode} onChange={set('mode')}>
              <option value="pct_span">% of span</option>
              <option value="pct_reading">% of reading</option>
              <option value="pct_urv">% of upper range value</option>
              <option value="units">engineering units</option>
            </select>
          )}
        </Field>
        <Field label="Fail limit ±" required>
          {(p) => <input {...p} inputMode="decimal" value={v.fail} onChange={set('fail')} />}
        </Field>
        <Field label="Adjust limit ±" hint="Optional, below the fail limit">
          {(p) => <input {...p} inputMode="decimal" value={v.adjust} onChange={set('adjust')} />}
        </Field>
        <Field label="Guard band (% of limit)" hint="Optional, 0-50">
          {(p) => <input {...p} inputMode="decimal" value={v.guard} onChange={set('guard')} />}
        </Field>
        <Field label="Transfer function">
          {(p) => (
            <select {...p} value={v.transfer} onChange={set('transfer')}>
              {Object.entries(TRANSFER).map(([k, l]) => (
                <option key={k} value={k}>
                  {l}
                </option>
              ))}
            </select>
          )}
        </Field>
        {(v.transfer === 'linear' || v.transfer === 'sqrt') && (
          <>
            <Field label="Input min">
              {(p) => <input {...p} inputMode="decimal" value={v.inMin} onChange={set('inMin')} />}
            </Field>
            <Field label="Input max">
              {(p) => <input {...p} inputMode="decimal" value={v.inMax} onChange={set('inMax')} />}
            </Field>
            <Field label="Input unit">
              {(p) => <input {...p} value={v.inUnit} onChange={set('inUnit')} />}
            </Field>
          </>
        )}
        <label className="checkbox">
          <input
            type="checkbox"
            checked={v.guardU}
            onChange={(e) => setV((s) => ({ ...s, guardU: e.target.checked }))}
          />{' '}
          Guard band also by the standard’s uncertainty
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={v.reduced}
            onChange={(e) => setV((s) => ({ ...s, reduced: e.target.checked }))}
          />{' '}
          A reduced check may reset the due date
        </label>
        <FormError error={err ?? create.error} />
      </form>
    </Modal>
  );
}

function AssignCell({
  p,
  instruments,
}: {
  p: CalibrationProcedure;
  instruments: { id: number; label: string }[];
}) {
  const assign = useAssignProcedure();
  const [target, setTarget] = useState('');
  const [done, setDone] = useState<string | null>(null);
  return (
    <div className="inline-form">
      <select
        aria-label={`Assign ${p.name} to`}
        value={target}
        onChange={(e) => {
          setTarget(e.target.value);
          setDone(null);
        }}
      >
        <option value="">Assign to…</option>
        <optgroup label="Every instrument of a type">
          {TYPES.map((t) => (
            <option key={t} value={`type:${t}`}>
              {t}
            </option>
          ))}
        </optgroup>
        <optgroup label="One instrument">
          {instruments.map((i) => (
            <option key={i.id} value={`inst:${i.id}`}>
              {i.label}
            </option>
          ))}
        </optgroup>
      </select>{' '}
      <button
        type="button"
        className="button button-small"
        disabled={!target || assign.isPending}
        onClick={() => {
          const [kind, v] = target.split(':');
          assign.mutate(
            { target: kind === 'type' ? { type: v } : { instrumentId: Number(v) }, procedureId: p.id },
            { onSuccess: () => setDone('Assigned') },
          );
        }}
      >
        Assign
      </button>{' '}
      {done && <span className="muted">{done}</span>}
      <FormError error={assign.error} />
    </div>
  );
}

/** Calibration procedures: their points, tolerance and transfer function; create and assign (admins). */
export function ProceduresPage({ instruments }: { instruments: { id: number; label: string }[] }) {
  const q = useProcedures();
  const [adding, setAdding] = useState(false);
  return (
    <div className="page">
      <header className="page-header">
        <h1>Calibration procedures</h1>
        <div className="header-actions">
          <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
            New procedure
          </button>
        </div>
      </header>
      <section className="panel panel-flush">
        <QueryState query={q}>
          {(page) =>
            page.items.length === 0 ? (
              <EmptyState title="No procedures yet" />
            ) : (
              <table className="table" aria-label="Calibration procedures">
                <thead>
                  <tr>
                    <th scope="col">Procedure</th>
                    <th scope="col">Points (% of span)</th>
                    <th scope="col">Tolerance</th>
                    <th scope="col">Transfer</th>
                    <th scope="col">Assign</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((p) => (
                    <tr key={p.id}>
                      <td>
                        <strong>{p.name}</strong> <span className="muted">rev. {p.revision}</span>
                        {p.allow_reduced_check && (
                          <div className="muted">reduced checks reset the due date</div>
                        )}
                      </td>
                      <td>
                        {p.test_points.join(', ')} · {DIRECTIONS[p.direction]}
                        {p.cycles > 1 ? ` × ${p.cycles}` : ''}
                      </td>
                      <td>{describeRule(p.tolerance, 'units')}</td>
                      <td>{p.transfer_function ? TRANSFER[p.transfer_function.kind] : TRANSFER.none}</td>
                      <td>
                        <AssignCell p={p} instruments={instruments} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </QueryState>
      </section>
      {adding && <NewProcedureModal onClose={() => setAdding(false)} />}
    </div>
  );
}
