import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseAlert } from '../../src/alerts/alert-service.ts';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

// Issue 14 items 5 and 7: work requests from the field (report a problem -> admin accepts into a
// work order or rejects), QR label sheets, generated titles that name the tag once, and the
// priority sort of the work-order list.

const PUBLIC_URL = 'https://cmms.plant.example';

describe('field requests, QR labels, titles and sort', () => {
  let t: TestApp;
  let tech: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    t = await startTestApp({ env: { PUBLIC_URL } });
    tech = await makeUser(t, 'technician');
  });
  afterAll(() => t?.stop());

  const audit = async (id: number) =>
    (
      (await t.api('GET', `/api/audit?entity_type=work_request&entity_id=${id}&limit=50`)).body.items as {
        action: string;
        user_id: number;
      }[]
    )
      .map((a) => `${a.action}:${a.user_id}`)
      .reverse();

  it('a technician reports a problem; an admin turns it into a work order, once', async () => {
    const inst = await makeInstrument(t, { description: 'Steam header pressure' });
    const created = await t.api('POST', '/api/work-requests', {
      token: tech.token,
      body: { instrument_id: inst.id, description: 'Gauge glass cracked\nmoisture inside the housing' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      instrument_id: inst.id,
      tag: inst.tag,
      status: 'open',
      reported_by: tech.id,
      work_order_id: null,
    });
    const id = created.body.id;

    // A technician cannot decide; bodies are strict; an empty description is refused in words.
    expect(
      (await t.api('POST', `/api/work-requests/${id}/accept`, { token: tech.token, body: {} })).status,
    ).toBe(403);
    const extra = await t.api('POST', '/api/work-requests', {
      token: tech.token,
      body: { instrument_id: inst.id, description: 'x', status: 'accepted' },
    });
    expect(extra.status).toBe(400);
    expect(extra.body.error.details.field).toContain('status');
    expect(
      (
        await t.api('POST', '/api/work-requests', {
          token: tech.token,
          body: { instrument_id: inst.id, description: '   ' },
        })
      ).status,
    ).toBe(400);
    const ghost = await t.api('POST', '/api/work-requests', {
      token: tech.token,
      body: { instrument_id: 999999, description: 'no such' },
    });
    expect(ghost.status).toBe(400);
    expect(ghost.body.error.details.field).toBe('instrument_id');

    // Two admins accept at once: one work order, one winner, the other 409.
    const results = await Promise.all([
      t.api('POST', `/api/work-requests/${id}/accept`, { body: { priority: 'high', assigned_to: tech.id } }),
      t.api('POST', `/api/work-requests/${id}/accept`, { body: { priority: 'high' } }),
      t.api('POST', `/api/work-requests/${id}/reject`, { body: { reason: 'duplicate' } }),
    ]);
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual([
      'work_request_decided',
      'work_request_decided',
    ]);
    const after = (await t.api('GET', `/api/work-requests/${id}`)).body;
    const wos = (await t.api('GET', `/api/work-orders?instrument_id=${inst.id}`)).body.items;
    if (after.status === 'accepted') {
      expect(wos).toHaveLength(1);
      expect(after.work_order_id).toBe(wos[0].id);
      expect(wos[0]).toMatchObject({
        source: 'request',
        type: 'corrective',
        created_by: 1,
        title: `${inst.tag}: Gauge glass cracked`,
      });
      expect(wos[0].description).toContain(`work request #${id}`);
      expect(await audit(id)).toEqual([`create:${tech.id}`, 'accept:1']);
    } else {
      expect(after).toMatchObject({ status: 'rejected', review_notes: 'duplicate', work_order_id: null });
      expect(wos).toHaveLength(0);
      expect(await audit(id)).toEqual([`create:${tech.id}`, 'reject:1']);
    }
    const again = await t.api('POST', `/api/work-requests/${id}/reject`, { body: { reason: 'late' } });
    expect(again.status).toBe(409);
  });

  it('rejects with a reason, lists by status and reporter, and 404s an unknown request', async () => {
    const inst = await makeInstrument(t);
    const r = (
      await t.api('POST', '/api/work-requests', {
        token: tech.token,
        body: { instrument_id: inst.id, description: 'Loose cable gland' },
      })
    ).body;
    expect((await t.api('POST', `/api/work-requests/${r.id}/reject`, { body: { reason: '' } })).status).toBe(
      400,
    );
    const rejected = await t.api('POST', `/api/work-requests/${r.id}/reject`, {
      body: { reason: 'Already fixed under WO 12' },
    });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({
      status: 'rejected',
      review_notes: 'Already fixed under WO 12',
      reviewed_by: 1,
    });
    const mine = (
      await t.api('GET', `/api/work-requests?reported_by=me&status=rejected&instrument_id=${inst.id}`, {
        token: tech.token,
      })
    ).body;
    expect(mine.items.map((x: { id: number }) => x.id)).toEqual([r.id]);
    expect((await t.api('GET', '/api/work-requests?status=closed')).status).toBe(400);
    expect((await t.api('GET', '/api/work-requests/999999')).body.error.code).toBe('work_request_not_found');
    expect((await t.api('GET', '/api/work-requests', { token: null })).status).toBe(401);
  });

  it('prints a QR label sheet whose codes open each instrument page at PUBLIC_URL', async () => {
    const a = await makeInstrument(t, { description: 'Boiler feed pressure', location: 'Pump house' });
    const b = await makeInstrument(t);
    const res = await fetch(
      `${t.url}/api/instruments/labels.pdf?ids=${a.id},${b.id}&access_token=${tech.token}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    // Rasterise the sheet and read the codes back with a real decoder, when the tools are here.
    if (existsSync('/usr/bin/pdftoppm') && existsSync('/usr/bin/zbarimg')) {
      const dir = mkdtempSync(path.join(tmpdir(), 'labels-'));
      writeFileSync(path.join(dir, 'sheet.pdf'), pdf);
      execFileSync('pdftoppm', ['-r', '200', '-png', path.join(dir, 'sheet.pdf'), path.join(dir, 'page')]);
      const png = readdirSync(dir).find((f) => f.endsWith('.png')) as string;
      const out = execFileSync('zbarimg', ['-q', '--raw', path.join(dir, png)], {
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString();
      expect(out.trim().split('\n').sort()).toEqual(
        [`${PUBLIC_URL}/instruments/${a.id}`, `${PUBLIC_URL}/instruments/${b.id}`].sort(),
      );
    }
    expect((await t.api('GET', '/api/instruments/labels.pdf?ids=1,x')).status).toBe(400);
    expect((await t.api('GET', '/api/instruments/labels.pdf?ids=999999')).status).toBe(404);
    expect((await t.api('GET', '/api/instruments/labels.pdf', { token: null })).status).toBe(401);
  });

  it('names the tag once in a title made from an alert', async () => {
    const inst = await makeInstrument(t);
    const { alert } = await raiseAlert(t.server.ctx.db, {
      instrumentId: inst.id,
      alertType: 'rule_violation',
      conditionKey: 'high_critical',
      severity: 'critical',
      message: `${inst.tag} high critical: 9.4 bar above limit 9 bar`,
      at: new Date().toISOString(),
    });
    const wo = await t.api('POST', '/api/work-orders/from-alert', { body: { alert_id: alert.id } });
    expect(wo.status).toBe(201);
    expect(wo.body.title).toBe(`${inst.tag} high critical: 9.4 bar above limit 9 bar`);
  });

  it('sorts work orders by priority then due date on request, newest first by default', async () => {
    const inst = await makeInstrument(t);
    const mk = async (priority: string, due: string | null) =>
      (
        await t.api('POST', '/api/work-orders', {
          body: {
            instrument_id: inst.id,
            title: `${priority} ${due}`,
            type: 'inspection',
            priority,
            ...(due ? { due_date: due } : {}),
          },
        })
      ).body.id as number;
    const low = await mk('low', '2030-01-01T00:00:00Z');
    const urgentLate = await mk('urgent', '2030-02-01T00:00:00Z');
    const urgentSoon = await mk('urgent', '2030-01-02T00:00:00Z');
    const medium = await mk('medium', null);
    const ids = async (q: string) =>
      (await t.api('GET', `/api/work-orders?instrument_id=${inst.id}${q}`)).body.items.map(
        (w: { id: number }) => w.id,
      );
    expect(await ids('&sort=priority')).toEqual([urgentSoon, urgentLate, medium, low]);
    expect(await ids('')).toEqual([medium, urgentSoon, urgentLate, low]);
    expect((await t.api('GET', '/api/work-orders?sort=oldest')).status).toBe(400);
  });
});
