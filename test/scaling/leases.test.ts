// Issue 12 part 4: the periodic scans run in exactly one of several processes on one PostgreSQL,
// and move to a survivor when their holder goes. Two app instances share one schema and one clock.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { MAINTENANCE_LEASE } from '../../src/scans/scheduler.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { freshDatabaseUrl, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';

const DAY_MS = 86_400_000;
const pg = inject('pgRunUrl') !== null;

async function leasesOf(t: TestApp): Promise<{ holder: string; held: string[]; wanted: string[] }> {
  const res = await t.api('GET', '/health');
  return res.body.leases;
}

async function overdueRecords(t: TestApp, instrumentId: number) {
  const alerts = await t.api(
    'GET',
    `/api/alerts?alert_type=calibration_overdue&instrument_id=${instrumentId}&include_suppressed=true`,
  );
  const orders = await t.api('GET', `/api/work-orders?instrument_id=${instrumentId}&type=calibration`);
  expect(alerts.status).toBe(200);
  expect(orders.status).toBe(200);
  return { alerts: alerts.body.items as unknown[], orders: orders.body.items as unknown[] };
}

describe('leases on periodic scans', () => {
  const apps: TestApp[] = [];
  const drops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0).reverse()) await a.stop();
    for (const d of drops.splice(0)) await d();
  });

  it('a single process holds every lease it wants', async () => {
    const a = await startTestApp();
    apps.push(a);
    const leases = await leasesOf(a);
    expect(leases.wanted).toEqual(expect.arrayContaining([MAINTENANCE_LEASE, 'scan.alarms', 'retention']));
    await waitUntil(
      () => leasesOf(a),
      (l) => l.held.includes(MAINTENANCE_LEASE),
    );
  });

  it.skipIf(!pg)('three processes: one runs the scans; exactly one survivor takes over', async () => {
    const clock = new ManualClock();
    const logs = new Map<string, Record<string, unknown>[]>();
    const start = (name: string, databaseUrl?: string) => {
      const lines: Record<string, unknown>[] = [];
      logs.set(name, lines);
      return startTestApp({
        clock,
        databaseUrl,
        // Long enough that a loaded CI machine's event-loop stalls (two apps starting in this
        // process) cannot let a's lease lapse; hand-over on stop does not wait for expiry.
        env: { LEASE_TTL_SECONDS: '9', PROCESS_NAME: name, LOG_LEVEL: 'info' },
        logDestination: { write: (line: string) => void lines.push(JSON.parse(line)) },
      });
    };
    const scansIn = (name: string) => (logs.get(name) ?? []).filter((l) => l.msg === 'maintenance scan ran');
    // The schema outlives a (an app drops only a schema it created).
    const db = await freshDatabaseUrl(mkdtempSync(path.join(tmpdir(), 'cmms-leases-')));
    drops.push(db.drop);
    const a = await start('a', db.url);
    apps.push(a);
    await waitUntil(
      () => leasesOf(a),
      (l) => l.held.includes(MAINTENANCE_LEASE),
      { what: 'a holds the lease' },
    );
    expect(scansIn('a')).toHaveLength(1);
    const [b, c] = await Promise.all([start('b', db.url), start('c', db.url)]);
    apps.push(b, c);
    // b and c started while a held the lease: their start-up scans did not run.
    for (const t of [b, c]) expect((await leasesOf(t)).held).not.toContain(MAINTENANCE_LEASE);
    expect(scansIn('b')).toHaveLength(0);
    expect(scansIn('c')).toHaveLength(0);

    const inst = await makeInstrument(a, { calibration_interval_days: 30 });
    clock.advance(31 * DAY_MS);
    // The admin's tokens expired with the jump.
    await Promise.all([b, c].map((t) => t.refreshAdmin()));

    // a stops (hands its leases back): exactly one of b, c takes the lease and scans at once.
    await a.stop();
    apps.splice(apps.indexOf(a), 1);
    await waitUntil(
      () => overdueRecords(b, inst.id),
      (r) => r.orders.length > 0,
      { what: 'the overdue work order' },
    );
    const held = await Promise.all(
      [b, c].map(async (t) => (await leasesOf(t)).held.includes(MAINTENANCE_LEASE)),
    );
    expect(held.filter(Boolean)).toHaveLength(1);
    // The work order can come from the timed due check before the scan logs that it ran.
    await waitUntil(
      () => scansIn('b').length + scansIn('c').length,
      (n) => n > 0,
      { what: 'the survivor scan' },
    );
    expect(scansIn('b').length + scansIn('c').length).toBe(1);
    const after = await overdueRecords(c, inst.id);
    expect(after.alerts).toHaveLength(1);
    expect(after.orders).toHaveLength(1);
  });
});
