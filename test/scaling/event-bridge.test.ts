// Issue 12 part 4: events that matter reach every process through PostgreSQL LISTEN/NOTIFY.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { calibrate, makeStandard, points } from '../cmms/cmms-fixtures.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { freshDatabaseUrl, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';

const pg = inject('pgRunUrl') !== null;

describe.skipIf(!pg)('event bridge', () => {
  const apps: TestApp[] = [];
  const drops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0).reverse()) await a.stop();
    for (const d of drops.splice(0)) await d();
  });
  /** Two processes, a and b, on one fresh schema. */
  const twoProcesses = async () => {
    const db = await freshDatabaseUrl(mkdtempSync(path.join(tmpdir(), 'cmms-bridge-')));
    drops.push(db.drop);
    const a = await startTestApp({ databaseUrl: db.url, env: { PROCESS_NAME: 'a' } });
    apps.push(a);
    const b = await startTestApp({ databaseUrl: db.url, env: { PROCESS_NAME: 'b' } });
    apps.push(b);
    return { a, b };
  };

  it('an instrument created through one process reaches the other at once', async () => {
    const { a, b } = await twoProcesses();

    const inst = await makeInstrument(a);
    // b's instrument cache (ingestion) and detectors know the tag long before their full refresh.
    await waitUntil(
      () => b.server.ctx.ingestion?.instruments.byTagName(inst.tag) ?? null,
      (found) => found !== null,
      { what: 'b knows the new instrument' },
    );
    await waitUntil(
      () => b.server.ctx.monitor.snapshot(inst.id),
      (s) => s !== null,
      { what: "b's monitor tracks the new instrument" },
    );
    const health = async (t: TestApp) => (await t.api('GET', '/health')).body.event_bridge;
    expect((await health(a)).sent).toBeGreaterThan(0);
    expect((await health(b)).received).toBeGreaterThan(0);
    // a did not hear its own notification back.
    expect((await health(a)).received).toBe(0);
  });

  it("a calibration recorded through one process reaches the other's dashboard at once (issue 16)", async () => {
    const { a, b } = await twoProcesses();
    const inst = await makeInstrument(a, { accuracy_class: 0.5 });
    const card = async () =>
      (await b.api('GET', `/api/dashboard/summary?search=${inst.tag}`)).body.instruments[0] as
        | { out_of_tolerance: boolean; next_calibration_due: string }
        | undefined;
    await waitUntil(card, (c) => c !== undefined, { what: "the instrument on b's dashboard" });
    expect((await card())?.out_of_tolerance).toBe(false);

    // Left out of tolerance through a: b's calibration states in memory follow the bridged event,
    // long before their one-minute refresh.
    const std = await makeStandard(a, new Date());
    const bad = await calibrate(a, {
      instrument_id: inst.id,
      reference_standard_id: std.id,
      points: points(60, 60),
    });
    const seen = await waitUntil(card, (c) => c?.out_of_tolerance === true, {
      what: "the out-of-tolerance state on b's dashboard",
      timeoutMs: 10_000,
    });
    expect(Date.parse(seen?.next_calibration_due ?? '')).toBeGreaterThan(Date.parse(bad.performed_at));
  });
});
