import { type ReactNode, useState } from 'react';
import { Link } from 'react-router-dom';
import { CriticalityBadge, QualityBadge, StatusBadge } from '../../../components/Badges.tsx';
import { EmptyState, ErrorMessage, Loading } from '../../../components/Feedback.tsx';
import { FilterSelect } from '../../../components/Field.tsx';
import { Pagination } from '../../../components/Pagination.tsx';
import { paths } from '../../../config/paths.ts';
import { formatDate, formatValue } from '../../../lib/format.ts';
import { useIsAdmin } from '../../../lib/session.ts';
import { useDebounced } from '../../../lib/use-debounced.ts';
import { useFilterParams } from '../../../lib/use-filter-params.ts';
import { useInstruments } from '../api/get-instruments.ts';
import { useOutOfServiceIds } from '../api/out-of-service.ts';
import {
  CRITICALITIES,
  INSTRUMENT_STATUSES,
  INSTRUMENT_TYPES,
  type Instrument,
  TYPE_WORD,
} from '../types.ts';
import { InstrumentForm } from './InstrumentForm.tsx';
import { OutOfServiceModal } from './OutOfServiceControl.tsx';

const PAGE = 25;

interface Props {
  processUnits: { id: number; name: string }[];
  /** Inline actions per row (calibrate, maintain, train), composed by the app. */
  rowActions?: (i: Instrument) => ReactNode;
}

/** The register: search and filters kept in the URL, so a filtered view can be shared or revisited. */
export function InstrumentRegister({ processUnits, rowActions }: Props) {
  const isAdmin = useIsAdmin();
  const [params, setParam] = useFilterParams();
  const [q, setQ] = useState(params.get('q') ?? '');
  const search = useDebounced(q.trim());
  const filters = {
    q: search || undefined,
    type: params.get('type') || undefined,
    process_unit_id: Number(params.get('unit')) || undefined,
    criticality: params.get('criticality') || undefined,
    status: params.get('status') || undefined,
    limit: PAGE,
    offset: Number(params.get('offset')) || 0,
  };
  const list = useInstruments(filters);
  const outOfService = useOutOfServiceIds();
  const [servicing, setServicing] = useState<{ id: number; tag: string; returning: boolean } | null>(null);
  const [editing, setEditing] = useState<Instrument | 'new' | null>(null);

  return (
    <>
      <search className="filters" aria-label="Filter instruments">
        <label className="filter-grow">
          <span>Search</span>
          <input
            type="search"
            placeholder="Tag, description, location or equipment"
            value={q}
            onChange={(e) => {
              setQ(e.target.value);
              setParam('q', e.target.value.trim());
            }}
          />
        </label>
        <FilterSelect
          label="Type"
          value={filters.type ?? ''}
          onChange={(v) => setParam('type', v)}
          allLabel="All types"
          options={INSTRUMENT_TYPES.map((t) => ({ value: t, label: TYPE_WORD[t] }))}
        />
        <FilterSelect
          label="Process unit"
          value={params.get('unit') ?? ''}
          onChange={(v) => setParam('unit', v)}
          allLabel="All units"
          options={processUnits.map((u) => ({ value: String(u.id), label: u.name }))}
        />
        <FilterSelect
          label="Criticality"
          value={filters.criticality ?? ''}
          onChange={(v) => setParam('criticality', v)}
          allLabel="Any"
          options={CRITICALITIES.map((c) => ({ value: c, label: c[0].toUpperCase() + c.slice(1) }))}
        />
        <FilterSelect
          label="Status"
          value={filters.status ?? ''}
          onChange={(v) => setParam('status', v)}
          allLabel="Any"
          options={INSTRUMENT_STATUSES.map((c) => ({
            value: c,
            label:
              c === 'out_of_service' ? 'Out of service' : c === 'maintenance' ? 'In maintenance' : 'Active',
          }))}
        />
        {isAdmin && (
          <button
            type="button"
            className="button button-primary filter-action"
            onClick={() => setEditing('new')}
          >
            Register instrument
          </button>
        )}
      </search>

      <section className="panel panel-flush" aria-busy={list.isFetching}>
        {list.isPending && <Loading label="Loading instruments…" />}
        {list.error && !list.data && <ErrorMessage error={list.error} onRetry={() => list.refetch()} />}
        {list.data && list.data.items.length === 0 && (
          <EmptyState
            title={
              search || params.size ? 'No instruments match these filters' : 'No instruments registered yet'
            }
          >
            {isAdmin && !params.size && 'Register the first instrument with the button above.'}
          </EmptyState>
        )}
        {list.data && list.data.items.length > 0 && (
          <>
            <div className="table-scroll">
              <table className="table table-register">
                <thead>
                  <tr>
                    <th scope="col">Tag</th>
                    <th scope="col">Instrument</th>
                    <th scope="col">Unit / location</th>
                    <th scope="col" className="num">
                      Live value
                    </th>
                    <th scope="col">Criticality</th>
                    <th scope="col">Calibration due</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.items.map((i) => (
                    <tr key={i.id} data-tag={i.tag}>
                      <td>
                        <Link to={paths.instrument.href(i.id)} className="tag-link">
                          {i.tag}
                        </Link>
                        {i.status !== 'active' && (
                          <div>
                            <StatusBadge status={i.status} />
                          </div>
                        )}
                        {outOfService.data?.has(i.id) && (
                          <div>
                            <span
                              className="badge severity-warning"
                              title="Alarms suppressed (ISA-18.2 out of service)"
                            >
                              Alarms out of service
                            </span>
                            {isAdmin && (
                              <button
                                type="button"
                                className="button button-small"
                                style={{ display: 'block', marginTop: 4 }}
                                aria-label={`Return to service: ${i.tag}`}
                                onClick={() => setServicing({ id: i.id, tag: i.tag, returning: true })}
                              >
                                Return…
                              </button>
                            )}
                          </div>
                        )}
                      </td>
                      <td>
                        <div>{i.description ?? i.measured_variable ?? TYPE_WORD[i.type]}</div>
                        <small className="muted">
                          {TYPE_WORD[i.type] ?? i.type} · {formatValue(i.range_min)}–
                          {formatValue(i.range_max)} {i.unit} · ±{i.accuracy_class}%
                        </small>
                      </td>
                      <td>
                        <div>{i.process_unit_name ?? '—'}</div>
                        <small className="muted">{i.location ?? ''}</small>
                      </td>
                      <td className="num">
                        {i.last_reading ? (
                          <>
                            <span className="live-value">
                              {formatValue(i.last_reading.value)} <small>{i.unit}</small>
                            </span>
                            {i.last_reading.quality !== 'good' && (
                              <div>
                                <QualityBadge quality={i.last_reading.quality} />
                              </div>
                            )}
                          </>
                        ) : (
                          <span className="muted">—</span>
                        )}
                      </td>
                      <td>
                        <CriticalityBadge criticality={i.criticality} />
                      </td>
                      <td>
                        {formatDate(i.next_calibration_due)}
                        {i.calibration_overdue && (
                          <div>
                            <span className="badge severity-critical">Overdue</span>
                          </div>
                        )}
                        {i.out_of_tolerance && (
                          <div>
                            <span className="badge severity-critical">Out of tolerance</span>
                          </div>
                        )}
                        {i.device_serial_number && <div className="muted">S/N {i.device_serial_number}</div>}
                      </td>
                      <td className="actions">
                        {rowActions?.(i)}
                        {isAdmin && (
                          <button
                            type="button"
                            className="button button-small"
                            aria-label={`Edit ${i.tag}`}
                            onClick={() => setEditing(i)}
                          >
                            Edit
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination
              total={list.data.total}
              limit={PAGE}
              offset={filters.offset}
              onChange={(o) => setParam('offset', o ? String(o) : '')}
              noun="instruments"
            />
          </>
        )}
      </section>
      {editing && (
        <InstrumentForm
          instrument={editing === 'new' ? null : editing}
          processUnits={processUnits}
          onClose={() => setEditing(null)}
        />
      )}
      {servicing && (
        <OutOfServiceModal
          instrumentId={servicing.id}
          tag={servicing.tag}
          returning={servicing.returning}
          onClose={() => setServicing(null)}
        />
      )}
    </>
  );
}
