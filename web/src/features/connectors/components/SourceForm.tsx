import { type FormEvent, useState } from 'react';
import { FormError } from '../../../components/Feedback.tsx';
import { Field } from '../../../components/Field.tsx';
import { FormFooter, Modal } from '../../../components/Modal.tsx';
import { ApiError, errorText } from '../../../lib/api-client.ts';
import type { ConnectorKind, ConnectorSource } from '../../../lib/api-types.ts';
import { useSaveSource, useTestConnection } from '../api/connectors.ts';
import {
  build,
  type FieldDef,
  fieldMessage,
  fieldOfError,
  KIND_FORMS,
  KIND_ORDER,
  type SecretMode,
  toValues,
  type Values,
  visible,
} from '../form-model.ts';
import { TestResultLine } from './TestResultLine.tsx';

type AnyField = FieldDef<unknown>;

/** One field of the kind's form, drawn by its input type. */
function KindField({
  def,
  value,
  onChange,
  error,
  secretSet,
  secretMode,
  onSecretMode,
}: {
  def: AnyField;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  secretSet?: boolean;
  secretMode?: SecretMode;
  onSecretMode?: (m: SecretMode) => void;
}) {
  if (def.input === 'checkbox')
    return (
      <div className="field field-check">
        <label>
          <input
            type="checkbox"
            checked={value === 'true'}
            onChange={(e) => onChange(String(e.target.checked))}
          />
          {def.label}
        </label>
        {error && <small className="field-error">{error}</small>}
      </div>
    );
  if (def.input === 'secret' && secretSet && secretMode !== 'replace')
    return (
      <Field label={def.label} error={error} hint="Stored encrypted; never shown.">
        {(p) => (
          <div className="actions" id={p.id}>
            <span className="badge badge-muted">{secretMode === 'clear' ? 'Will be removed' : 'Set'}</span>
            <button type="button" className="button button-small" onClick={() => onSecretMode?.('replace')}>
              Replace
            </button>
            {secretMode === 'clear' ? (
              <button type="button" className="button button-small" onClick={() => onSecretMode?.('keep')}>
                Keep
              </button>
            ) : (
              <button
                type="button"
                className="button button-small button-danger-outline"
                onClick={() => onSecretMode?.('clear')}
              >
                Clear
              </button>
            )}
          </div>
        )}
      </Field>
    );
  return (
    <Field label={def.label} error={error} hint={def.hint} required={def.required}>
      {(p) =>
        def.input === 'select' ? (
          <select {...p} value={value} onChange={(e) => onChange(e.target.value)}>
            {def.options?.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        ) : def.input === 'textarea' ? (
          <textarea {...p} rows={4} value={value} onChange={(e) => onChange(e.target.value)} />
        ) : (
          <input
            {...p}
            type={def.input === 'secret' ? 'password' : 'text'}
            inputMode={def.input === 'number' ? 'decimal' : undefined}
            autoComplete={def.input === 'secret' ? 'new-password' : 'off'}
            placeholder={def.placeholder}
            list={(def.key as string) === 'tag' ? 'connector-tags' : undefined}
            value={value}
            onChange={(e) => onChange(e.target.value)}
          />
        )
      }
    </Field>
  );
}

/** New or edit: the kind's config fields, its point mappings, and "Test connection". */
export function SourceForm({
  source,
  tags,
  onClose,
}: {
  source: ConnectorSource | null;
  tags: string[];
  onClose: () => void;
}) {
  const [kind, setKind] = useState<ConnectorKind>((source?.kind as ConnectorKind | undefined) ?? 'modbus');
  const form = KIND_FORMS[kind];
  const [name, setName] = useState(source?.name ?? '');
  const [config, setConfig] = useState<Values>(() => toValues(form.config, source?.config ?? null));
  const [points, setPoints] = useState<Values[]>(() =>
    (source?.points ?? []).map((p) => toValues(form.point, p)),
  );
  const [secrets, setSecrets] = useState<Record<string, SecretMode>>(() =>
    Object.fromEntries((source?.secrets_set ?? []).map((k) => [k, 'keep' as const])),
  );
  const save = useSaveSource(source?.id ?? null);
  const test = useTestConnection();

  const changeKind = (k: ConnectorKind) => {
    setKind(k);
    setConfig(toValues(KIND_FORMS[k].config, null));
    setPoints([]);
    test.reset();
    save.reset();
  };
  const configBody = () => build(form.config, config, secrets);
  const err = save.error instanceof ApiError && save.error.code === 'validation_error' ? save.error : null;
  const spot = err ? fieldOfError(err.field, kind, config, points) : null;
  const errorAt = (where: 'config' | number, key: string) =>
    err &&
    spot &&
    ((where === 'config' && spot.at === 'config' && spot.key === key) ||
      (spot.at === 'point' && spot.index === where && spot.key === key))
      ? fieldMessage(err.serverMessage)
      : undefined;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    test.reset();
    save.mutate(
      {
        kind,
        name,
        config: configBody(),
        points: points.map((p) => build(form.point, p)),
      },
      { onSuccess: onClose },
    );
  };

  return (
    <Modal
      title={source ? `Edit ${source.name}` : 'New connector source'}
      onClose={onClose}
      wide
      footer={
        <>
          <button
            type="button"
            className="button"
            disabled={test.isPending}
            onClick={() => test.mutate({ id: source?.id ?? null, kind, config: configBody() })}
          >
            {test.isPending ? 'Testing…' : 'Test connection'}
          </button>
          <FormFooter
            formId="connector-form"
            onCancel={onClose}
            pending={save.isPending}
            label={source ? 'Save changes' : 'Create source'}
            pendingLabel="Saving…"
          />
        </>
      }
    >
      <form id="connector-form" onSubmit={submit} noValidate>
        <datalist id="connector-tags">
          {tags.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        <div className="form-grid">
          <Field label="Name" required error={spot?.at === 'name' && err ? errorText(err) : undefined}>
            {(p) => <input {...p} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="Kind" hint={form.blurb}>
            {(p) => (
              <select
                {...p}
                value={kind}
                disabled={source !== null}
                onChange={(e) => changeKind(e.target.value as ConnectorKind)}
              >
                {KIND_ORDER.map((k) => (
                  <option key={k} value={k}>
                    {KIND_FORMS[k].label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <fieldset>
          <legend>Connection</legend>
          <div className="form-grid">
            {visible(form.config, config).map((def) => (
              <KindField
                key={def.key}
                def={def}
                value={config[def.key] ?? ''}
                onChange={(v) => setConfig((c) => ({ ...c, [def.key]: v }))}
                error={errorAt('config', def.key)}
                secretSet={source?.secrets_set.includes(def.key)}
                secretMode={secrets[def.key]}
                onSecretMode={(m) => setSecrets((s) => ({ ...s, [def.key]: m }))}
              />
            ))}
          </div>
        </fieldset>
        <TestResultLine test={test} />
        <fieldset>
          <legend>Points: source values → instruments</legend>
          {points.length === 0 && (
            <p className="muted">
              No points yet. Each point maps one value of the source to an instrument tag.
            </p>
          )}
          {points.map((p, i) => (
            // Rows have no identity of their own; the index is what the server's errors name.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above
            <div key={i} className="connector-point" data-testid={`point-${i}`}>
              <div className="connector-point-head">
                <strong>Point {i + 1}</strong>
                <button
                  type="button"
                  className="button button-small button-danger-outline"
                  onClick={() => setPoints((ps) => ps.filter((_, j) => j !== i))}
                >
                  Remove point {i + 1}
                </button>
              </div>
              <div className="form-grid form-grid-4">
                {visible(form.point, p).map((def) => (
                  <KindField
                    key={def.key}
                    def={def}
                    value={p[def.key] ?? ''}
                    onChange={(v) =>
                      setPoints((ps) => ps.map((q, j) => (j === i ? { ...q, [def.key]: v } : q)))
                    }
                    error={errorAt(i, def.key)}
                  />
                ))}
              </div>
            </div>
          ))}
          <p>
            <button
              type="button"
              className="button button-small"
              onClick={() => setPoints((ps) => [...ps, toValues(form.point, null)])}
            >
              Add point
            </button>
          </p>
        </fieldset>
        {save.error && (!spot || spot.at === 'form') ? <FormError error={save.error} /> : null}
        {spot && spot.at !== 'form' && (
          <p className="form-error" role="alert">
            Not saved: see the field marked in red.
          </p>
        )}
      </form>
    </Modal>
  );
}
