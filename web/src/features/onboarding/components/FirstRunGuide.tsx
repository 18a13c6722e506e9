import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { paths } from '../../../config/paths.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { useIsAdmin } from '../../../lib/session.ts';
import { useFirstRun } from '../api/get-first-run.ts';
import './first-run.css';
import { examplePayload, mosquittoPubCommand, readingTopic } from '../mosquitto-command.ts';
import type { Connection, FirstRun } from '../types.ts';

function Step({
  n,
  done,
  title,
  children,
}: {
  n: number;
  done: boolean;
  title: string;
  children: ReactNode;
}) {
  return (
    <li className={done ? 'first-run-step done' : 'first-run-step'} data-testid={`first-run-step-${n}`}>
      <h3>
        <span className="first-run-mark" aria-hidden="true">
          {done ? '✓' : n}
        </span>
        {title}
        {done && <span className="sr-only"> (done)</span>}
      </h3>
      <div className="first-run-body">{children}</div>
    </li>
  );
}

function CopyCommand({ command }: { command: string }) {
  const pre = useRef<HTMLPreElement>(null);
  const [copied, setCopied] = useState<'yes' | 'select' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(command);
      setCopied('yes');
    } catch {
      // No clipboard outside a secure context (plain http on the plant network): select it instead.
      const range = document.createRange();
      if (pre.current) range.selectNodeContents(pre.current);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
      setCopied('select');
    }
  };
  return (
    <div className="first-run-command">
      <pre ref={pre} data-testid="mosquitto-pub">
        {command}
      </pre>
      <button type="button" className="button button-small" onClick={copy}>
        Copy command
      </button>
      <span className="muted" aria-live="polite">
        {copied === 'yes' ? ' Copied.' : copied === 'select' ? ' Selected: press Ctrl+C to copy.' : ''}
      </span>
    </div>
  );
}

function ConnectData({ c }: { c: Connection }) {
  const host = c.host ?? window.location.hostname;
  const example = examplePayload(c, new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
  return (
    <>
      <p>
        Field devices and gateways publish each reading over MQTT to{' '}
        <strong data-testid="broker-address">
          {c.tls ? 'mqtts' : 'mqtt'}://{host}:{c.port ?? '—'}
        </strong>{' '}
        ({c.broker === 'embedded' ? 'the broker built into this server' : 'your MQTT broker'}), topic{' '}
        <code>{c.topic_prefix}/&lt;tag&gt;</code>, for example <code>{readingTopic(c)}</code>. The payload is
        one JSON object (or an array of them):
      </p>
      <pre className="first-run-payload">{example}</pre>
      <p className="muted">
        <code>timestamp</code> is ISO 8601 (UTC unless it carries an offset), <code>value</code> a number in
        the instrument's engineering unit, and <code>unit</code> must match the unit registered for the tag.
        QoS 1 is recommended.
      </p>
      <p>
        Try it from any machine with the Mosquitto clients
        {c.tag_is_real ? (
          <>
            {' '}
            (it sends one reading for <strong>{c.tag}</strong>):
          </>
        ) : (
          <> (add an instrument first, then use its tag instead of the example {c.tag}):</>
        )}
      </p>
      <CopyCommand command={mosquittoPubCommand(c, host)} />
      {c.auth_required && (
        <p className="muted">
          The broker needs a login: create one for each gateway on the{' '}
          <Link to={paths.gateways.href()}>Gateways</Link> page and put it in place of{' '}
          <code>&lt;gateway-user&gt;</code> and <code>&lt;gateway-password&gt;</code>.
        </p>
      )}
      {c.loopback_only && (
        <p className="muted">
          The built-in broker listens on this machine only until it has a login. Set{' '}
          <code>MQTT_USERNAME</code> and <code>MQTT_PASSWORD</code> (or <code>MQTT_LISTEN_HOST</code>) so
          devices on the plant network can reach it (docs/operations.md).
        </p>
      )}
    </>
  );
}

function AdminGuide({ f }: { f: FirstRun }) {
  return (
    <section className="panel first-run" aria-labelledby="first-run-title">
      <h2 id="first-run-title">Set up your plant</h2>
      <p className="muted">
        Three steps to a live dashboard. This guide goes away once instruments report readings.
      </p>
      <ol className="first-run-steps">
        <Step n={1} done={f.instruments > 0} title="Import or add your instruments">
          <p>
            {f.instruments > 0
              ? `${f.instruments} instrument${f.instruments === 1 ? '' : 's'} registered.`
              : 'Bring in your instrument index from a spreadsheet (CSV or Excel), or add instruments one by one.'}
          </p>
          <p className="first-run-actions">
            <Link className="button button-primary" to={paths.imports.href()}>
              Import a register
            </Link>
            <Link className="button" to={paths.instruments.href()}>
              Add instruments
            </Link>
          </p>
        </Step>
        <Step n={2} done={f.readings} title="Connect your data">
          {f.connection ? <ConnectData c={f.connection} /> : null}
        </Step>
        <Step n={3} done={f.active_users > 1} title="Add your team">
          <p>
            Give each technician and engineer their own login (technicians record calibrations and work;
            admins also manage the plant's setup).
          </p>
          <p className="first-run-actions">
            <Link className="button" to={paths.users.href()}>
              Add users
            </Link>
          </p>
        </Step>
      </ol>
    </section>
  );
}

/**
 * The dashboard's first-run walk-through: shown until instruments exist and readings arrive. Admins
 * get the steps; technicians a short note that the plant is being set up.
 */
export function FirstRunGuide() {
  const isAdmin = useIsAdmin();
  const q = useFirstRun();
  const f = q.data;
  const queryClient = useQueryClient();
  const complete = f?.complete;
  // The first readings have arrived: show them now, not at the dashboard's next refresh.
  useEffect(() => {
    if (complete === true) queryClient.invalidateQueries({ queryKey: queryKeys.dashboard.all });
  }, [complete, queryClient]);
  if (!f || f.complete) return null;
  if (!isAdmin)
    return (
      <section className="panel first-run" aria-labelledby="first-run-title">
        <h2 id="first-run-title">This plant is being set up</h2>
        <p>
          {f.instruments === 0
            ? 'No instruments are registered yet.'
            : 'The instruments are registered but no readings have arrived yet.'}{' '}
          Your administrator is connecting the plant; live values, alerts and work will appear here once it
          reports.
        </p>
      </section>
    );
  return <AdminGuide f={f} />;
}
