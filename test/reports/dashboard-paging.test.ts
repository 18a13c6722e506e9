import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlant } from '../../bench/reports-plant.ts';
import { raiseAlert } from '../../src/alerts/alert-service.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

// The dashboard at plant scale (issue 16): one page of cards, problems first, KPIs for everything,
// compressed, and 304 when nothing changed. 230 instruments: more than two default pages.

const SEVERITY: Record<string, number> = { advisory: 1, warning: 2, critical: 3 };

describe('GET /api/dashboard/summary, paged', () => {
  let t: TestApp;
  let critical = { id: 0, tag: '' };
  let unitId = 0;

  beforeAll(async () => {
    t = await startTestApp();
    const db = t.server.ctx.db;
    const now = t.server.ctx.clock.now();
    await buildPlant(db, { instruments: 230, years: 1, now, seed: 16 });
    // Inserted behind the services' backs: the register and the calibration states in memory learn
    // it as their periodic refreshes would.
    await t.server.ctx.ingestion.instruments.refresh();
    await t.server.ctx.calibrations.load(null);
    // A critical rule alert on an instrument that sorts last by tag: problems first must lift it.
    const last = await db
      .selectFrom('instruments')
      .select(['id', 'tag', 'process_unit_id'])
      .orderBy('tag', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    critical = { id: last.id, tag: last.tag };
    unitId = last.process_unit_id as number;
    await raiseAlert(db, {
      instrumentId: last.id,
      alertType: 'rule_violation',
      conditionKey: 'high_critical',
      severity: 'critical',
      message: 'above the critical limit',
      at: now.toISOString(),
    });
  }, 120_000);
  afterAll(() => t?.stop());

  const get = async (q = '') => {
    const res = await t.api('GET', `/api/dashboard/summary${q}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };

  it('sends one page of 100 cards by default, problems first, with KPIs for the whole plant', async () => {
    const s = await get();
    expect(s).toMatchObject({ total_instruments: 230, total: 230, limit: 100, offset: 0, sort: 'problems' });
    expect(s.instruments).toHaveLength(100);
    expect(s.instruments[0].worst_severity).toBe('critical');
    expect(s.instruments.some((c: any) => c.id === critical.id)).toBe(true);

    // Problems first: worst open alert, then calibration overdue / out of tolerance, then health.
    const all = (await get('?limit=500')).instruments;
    expect(all).toHaveLength(230);
    const key = (c: any) => [
      -(SEVERITY[c.worst_severity] ?? 0),
      c.calibration_overdue || c.out_of_tolerance ? -1 : 0,
      c.health_score,
    ];
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [key(all[i - 1]), key(all[i])];
      const cmp = a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
      expect(cmp, `${all[i - 1].tag} before ${all[i].tag}`).toBeLessThanOrEqual(0);
    }

    // KPI totals equal the counts, from the database and from the cards themselves.
    const db = t.server.ctx.db;
    const count = async (q: any) => Number((await q.executeTakeFirstOrThrow()).n);
    expect(s.total_instruments).toBe(
      await count(
        db
          .selectFrom('instruments')
          .select((eb: any) => eb.fn.countAll().as('n'))
          .where('deleted_at', 'is', null),
      ),
    );
    expect(s.open_work_orders).toBe(
      await count(
        db
          .selectFrom('work_orders')
          .select((eb: any) => eb.fn.countAll().as('n'))
          .where('status', 'in', ['open', 'in_progress']),
      ),
    );
    expect(s.active_alerts).toBe((await t.api('GET', '/api/alerts?limit=1')).body.total);
    expect(s.active_alerts).toBe(all.reduce((n: number, c: any) => n + c.open_alerts, 0));
    expect(s.calibration_overdue).toBe(all.filter((c: any) => c.calibration_overdue).length);
    expect(s.calibration_overdue).toBeGreaterThan(0);
  });

  it('pages through every instrument once, in the same order as one big page', async () => {
    for (const sort of ['problems', 'tag', 'health']) {
      const whole = (await get(`?limit=500&sort=${sort}`)).instruments.map((c: any) => c.id);
      const paged: number[] = [];
      for (let offset = 0; offset < 230; offset += 60) {
        const p = await get(`?limit=60&offset=${offset}&sort=${sort}`);
        expect(p.total).toBe(230);
        paged.push(...p.instruments.map((c: any) => c.id));
      }
      expect(paged, sort).toEqual(whole);
      expect(new Set(paged).size).toBe(230);
    }
    const byTag = (await get('?sort=tag&limit=500')).instruments.map((c: any) => c.tag);
    expect(byTag[byTag.length - 1]).toBe(critical.tag);
    expect((await get('?offset=1000')).instruments).toEqual([]);
  });

  it('filters by tag text, problems only and process unit; KPIs ignore the card filters', async () => {
    const needle = critical.tag.slice(-4).toLowerCase();
    const found = await get(`?search=${needle}`);
    expect(found.instruments.length).toBeGreaterThan(0);
    expect(found.total).toBe(found.instruments.length);
    for (const c of found.instruments) expect(c.tag.toLowerCase()).toContain(needle);
    expect(found.instruments.map((c: any) => c.id)).toContain(critical.id);
    expect(found.total_instruments).toBe(230);

    const all = (await get('?limit=500')).instruments;
    const problems = await get('?problems_only=true&limit=500');
    const expected = all.filter(
      (c: any) => c.health_score < 100 || c.open_alerts > 0 || c.calibration_overdue || c.out_of_tolerance,
    );
    expect(problems.total).toBe(expected.length);
    expect(problems.instruments.map((c: any) => c.id)).toEqual(expected.map((c: any) => c.id));

    const unit = await get(`?process_unit_id=${unitId}&limit=500`);
    expect(unit.total_instruments).toBe(unit.total);
    expect(unit.total).toBe(all.filter((c: any) => c.process_unit_id === unitId).length);
    for (const c of unit.instruments) expect(c.process_unit_id).toBe(unitId);
    expect(unit.instruments[0].id).toBe(critical.id);
  });

  it('refuses bad paging, an unknown sort and unknown parameters', async () => {
    for (const [q, field] of [
      ['?limit=501', 'limit'],
      ['?limit=0', 'limit'],
      ['?offset=-1', 'offset'],
      ['?sort=worst', 'sort'],
      ['?limt=10', 'limt'],
      ['?search=', 'search'],
    ]) {
      const res = await t.api('GET', `/api/dashboard/summary${q}`);
      expect(res.status, q).toBe(400);
      expect(JSON.stringify(res.body.error), q).toContain(field);
    }
  });

  it('compresses the page (br, else gzip), not tiny answers; 304 when nothing changed', async () => {
    const raw = async (q: string, headers: Record<string, string>) => {
      const res = await fetch(`${t.url}/api/dashboard/summary${q}`, {
        headers: { authorization: `Bearer ${t.adminToken}`, ...headers },
      });
      await res.arrayBuffer();
      return res;
    };
    const br = await raw('', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toMatch(/accept-encoding/i);
    expect((await raw('', { 'accept-encoding': 'gzip' })).headers.get('content-encoding')).toBe('gzip');
    expect((await raw('', { 'accept-encoding': 'identity' })).headers.get('content-encoding')).toBeNull();
    // Under 1 kB (no card matches): not worth compressing.
    const tiny = await raw('?search=no-such-tag', { 'accept-encoding': 'br' });
    expect(tiny.headers.get('content-encoding')).toBeNull();

    const etag = br.headers.get('etag') as string;
    expect(etag).toMatch(/^".+"$/);
    const again = await raw('', { 'accept-encoding': 'br', 'if-none-match': etag });
    expect(again.status).toBe(304);
    // Another page, or a change on the plant, is a new ETag.
    expect((await raw('?offset=100', { 'if-none-match': etag })).status).toBe(200);
    await raiseAlert(t.server.ctx.db, {
      instrumentId: critical.id,
      alertType: 'drift',
      conditionKey: 'cusum_up',
      severity: 'warning',
      message: 'drifting',
      at: t.server.ctx.clock.now().toISOString(),
    });
    expect((await raw('', { 'if-none-match': etag })).status).toBe(200);
  });
});
