// Issue 12 part 4: events that matter reach every process through PostgreSQL LISTEN/NOTIFY.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
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

  it('an instrument created through one process reaches the other at once', async () => {
    const db = await freshDatabaseUrl(mkdtempSync(path.join(tmpdir(), 'cmms-bridge-')));
    drops.push(db.drop);
    const a = await startTestApp({ databaseUrl: db.url, env: { PROCESS_NAME: 'a' } });
    apps.push(a);
    const b = await startTestApp({ databaseUrl: db.url, env: { PROCESS_NAME: 'b' } });
    apps.push(b);

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
});
