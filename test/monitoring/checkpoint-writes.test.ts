import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { monitorConfig } from '../../src/detection/types.ts';
import { CheckpointWriter } from '../../src/monitoring/checkpoints.ts';
import { InstrumentMonitor } from '../../src/monitoring/instrument-monitor.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';

// Issue 16 part 4: detector checkpoints write only what changed, as HOT-friendly upserts, and the
// autovacuum/ANALYZE settings the product relies on are in place (docs/operations.md). Both
// dialects; the storage settings and the tuple counters are PostgreSQL's.

const pg = inject('pgRunUrl') !== null;
const N = 12;
const CHANGED = [1, 4, 7];

describe('detector checkpoint writes and table housekeeping', () => {
  let t: TestApp;
  let ids: number[] = [];
  let schema = 'public';

  beforeAll(async () => {
    // The app's own checkpoint timer stays out of the counts.
    t = await startTestApp({ env: { MONITOR_CHECKPOINT_SECONDS: '3600' } });
    for (let i = 0; i < N; i++) ids.push((await makeInstrument(t)).id);
    ids = ids.sort((a, b) => a - b);
    if (pg) schema = new URL(t.databaseUrl).searchParams.get('schema') ?? 'public';
  });
  afterAll(() => t?.stop());

  /** Which rows a write touched: PostgreSQL's xmin changes with every new row version; SQLite's updated_at. */
  const versions = async () => {
    const db = t.server.ctx.db;
    const rows = pg
      ? (
          await sql<{ instrument_id: number; v: string }>`select instrument_id, xmin::text as v
            from detector_checkpoints where detector = 'monitor'`.execute(db)
        ).rows
      : (
          await sql<{ instrument_id: number; v: string }>`select instrument_id, updated_at as v
            from detector_checkpoints where detector = 'monitor'`.execute(db)
        ).rows;
    return new Map(rows.filter((r) => ids.includes(r.instrument_id)).map((r) => [r.instrument_id, r.v]));
  };

  it('writes only the instruments whose state changed, and leaves an identical stored state alone', async () => {
    const db = t.server.ctx.db;
    const monitors = ids.map(() => new InstrumentMonitor(monitorConfig({ rangeMin: 0, rangeMax: 10 })));
    const states = () => ids.map((id, k) => ({ instrumentId: id, state: monitors[k].toJSON() }));
    const t0 = Date.parse('2026-03-01T00:00:00Z');
    for (const [k, m] of monitors.entries()) m.process({ ts: t0, value: 5 + k / 100 });

    const writer = new CheckpointWriter(db);
    expect(await writer.save(states(), '2026-03-01T00:01:00.000Z')).toBe(N);
    const first = await versions();
    expect(first.size).toBe(N);

    // Second cycle: every state offered (as if all were marked dirty), three of them changed.
    for (const k of CHANGED) monitors[k].process({ ts: t0 + 5000, value: 5.5 });
    expect(await writer.save(states(), '2026-03-01T00:02:00.000Z')).toBe(CHANGED.length);
    const second = await versions();
    const rewritten = ids.filter((id) => second.get(id) !== first.get(id));
    expect(rewritten).toEqual(CHANGED.map((k) => ids[k]));

    // A restarted process (nothing remembered) offering the same states: the upsert leaves the rows alone.
    expect(await new CheckpointWriter(db).save(states(), '2026-03-01T00:03:00.000Z')).toBe(N);
    expect(await versions()).toEqual(second);

    // The stored states are the ones a restart restores.
    const stored = await db
      .selectFrom('detector_checkpoints')
      .select(['instrument_id', 'state'])
      .where('instrument_id', '=', ids[CHANGED[0]])
      .executeTakeFirstOrThrow();
    expect(JSON.parse(stored.state).lastTs).toBe(t0 + 5000);
  });

  it.skipIf(!pg)(
    'on PostgreSQL the rewrites are HOT updates: no index entries, no dead tuples for vacuum',
    async () => {
      const db = t.server.ctx.db;
      // Counters are flushed by each backend on its own schedule (at most every 10 s when idle).
      const counts = await waitUntil(
        async () =>
          (
            await sql<{ upd: string; hot: string }>`select n_tup_upd::text as upd, n_tup_hot_upd::text as hot
            from pg_stat_user_tables where schemaname = ${schema} and relname = 'detector_checkpoints'`.execute(
              db,
            )
          ).rows[0],
        (r) => Number(r?.upd) >= CHANGED.length,
        { what: 'detector_checkpoints update counters', timeoutMs: 30_000 },
      );
      // Only the three changed rows were updated (the unchanged and the restart's offers wrote nothing).
      expect(Number(counts.upd)).toBe(CHANGED.length);
      expect(Number(counts.hot)).toBe(CHANGED.length);
    },
  );

  it.skipIf(!pg)('the autovacuum and storage settings of migration 0028 are in place', async () => {
    const rows = (
      await sql<{ relname: string; reloptions: string[] | null }>`select c.relname, c.reloptions
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = ${schema} and c.relname in
          ('detector_checkpoints', 'instrument_last_seen', 'raw_readings', 'alert_records')`.execute(
        t.server.ctx.db,
      )
    ).rows;
    const opts = Object.fromEntries(rows.map((r) => [r.relname, r.reloptions ?? []]));
    expect(opts.detector_checkpoints).toEqual(
      expect.arrayContaining([
        'fillfactor=70',
        'autovacuum_vacuum_scale_factor=0',
        'autovacuum_vacuum_threshold=1000',
      ]),
    );
    expect(opts.instrument_last_seen).toEqual(expect.arrayContaining(['fillfactor=70']));
    expect(opts.raw_readings).toEqual(
      expect.arrayContaining([
        'autovacuum_vacuum_insert_scale_factor=0',
        'autovacuum_vacuum_insert_threshold=1000000',
        'autovacuum_analyze_scale_factor=0',
        'autovacuum_analyze_threshold=1000000',
      ]),
    );
    expect(opts.alert_records).toEqual(
      expect.arrayContaining(['autovacuum_analyze_scale_factor=0.02', 'autovacuum_analyze_threshold=200']),
    );
  });

  it.skipIf(!pg)('migrations end with ANALYZE: the planner has statistics from the start', async () => {
    const rows = (
      await sql<{ relname: string; analyzed: boolean }>`select relname,
          (last_analyze is not null or last_autoanalyze is not null) as analyzed
        from pg_stat_user_tables where schemaname = ${schema}
          and relname in ('alert_records', 'instruments', 'raw_readings')`.execute(t.server.ctx.db)
    ).rows;
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r, r.relname).toMatchObject({ analyzed: true });
  });

  it('never replaces a stored state with one that has counted older readings (issue 12)', async () => {
    const db = t.server.ctx.db;
    const id = (await makeInstrument(t)).id;
    const cfg = monitorConfig({ rangeMin: 0, rangeMax: 10 });
    const t0 = Date.parse('2026-03-02T00:00:00Z');
    const owner = new InstrumentMonitor(cfg);
    for (let i = 0; i < 5; i++) owner.process({ ts: t0 + i * 1000, value: 5 });
    const stored = async () => {
      const row = await db
        .selectFrom('detector_checkpoints')
        .select(['state', 'last_ts'])
        .where('instrument_id', '=', id)
        .executeTakeFirstOrThrow();
      return { lastTs: (JSON.parse(row.state) as { lastTs: number | null }).lastTs, column: row.last_ts };
    };
    await new CheckpointWriter(db).save(
      [{ instrumentId: id, state: owner.toJSON() }],
      '2026-03-02T00:01:00.000Z',
    );
    expect(await stored()).toEqual({ lastTs: t0 + 4000, column: t0 + 4000 });

    // Another process: one that never saw a reading, and one that saw only the first two.
    const never = new InstrumentMonitor(cfg);
    const behind = new InstrumentMonitor(cfg);
    for (let i = 0; i < 2; i++) behind.process({ ts: t0 + i * 1000, value: 5 });
    const other = new CheckpointWriter(db);
    await other.save([{ instrumentId: id, state: never.toJSON() }], '2026-03-02T00:02:00.000Z');
    await other.save([{ instrumentId: id, state: behind.toJSON() }], '2026-03-02T00:03:00.000Z');
    expect(await stored()).toEqual({ lastTs: t0 + 4000, column: t0 + 4000 });

    // The owner's own change at the same event time (a calibration resets the CUSUM) is written.
    owner.resetCusum(t0 + 4000);
    const ownerWriter = new CheckpointWriter(db);
    await ownerWriter.save([{ instrumentId: id, state: owner.toJSON() }], '2026-03-02T00:04:00.000Z');
    const row = await db
      .selectFrom('detector_checkpoints')
      .select('state')
      .where('instrument_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe(JSON.stringify(owner.toJSON()));
  });
});
