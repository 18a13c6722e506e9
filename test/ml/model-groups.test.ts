import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32, normalSampler } from '../../src/detection/random.ts';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor } from '../helpers/wait.ts';
import { expectChainedActivations, publishReadings, storeReadings } from './ml-helpers.ts';

// Issue 11 item 1: instruments modelled together. Three pressure transmitters on one header see the
// same process (a shared wander and a step change of the process); one of them drifts 1 % of span a
// day. Replayed through the real broker, the group's residual CUSUM flags the drifting one within
// 12 h and neither twin, while the process step (all three together) raises no drift at all.

const H = 3_600_000;
const INTERVAL_S = 60;

/** Readings of the three members on a shared process, [from, to); `drift(ts)` adds to member 0. */
function header(from: number, to: number, seed: number, drift: (ts: number) => number = () => 0) {
  const rnd = normalSampler(mulberry32(seed));
  const out: { ts: number; value: number }[][] = [[], [], []];
  for (let ts = from; ts < to; ts += INTERVAL_S * 1000) {
    // The process: a slow daily swing and a step of +0.6 bar at a fixed hour of the replay.
    const p =
      5 + 0.4 * Math.sin((2 * Math.PI * ts) / (24 * H)) + 0.15 * Math.sin((2 * Math.PI * ts) / (5 * H));
    const step = ts >= STEP_AT ? 0.6 : 0;
    out[0].push({ ts, value: p + step + 0.03 * rnd() + drift(ts) });
    out[1].push({ ts, value: 1.02 * (p + step) - 0.1 + 0.03 * rnd() });
    out[2].push({ ts, value: 0.98 * (p + step) + 0.1 + 0.03 * rnd() });
  }
  return out;
}

// Anchored to a fixed hour of the day (14:00 UTC, three to four days back), not to the hour the test
// runs: the process swing is a function of the time of day, so a wall-clock anchor made the case
// differ from run to run.
const DAY = 24 * H;
const T0 = Math.floor(Date.now() / DAY) * DAY - 4 * DAY + 14 * H;
const REPLAY_FROM = T0 + 48 * H;
const DRIFT_FROM = REPLAY_FROM + 2 * H;
const STEP_AT = REPLAY_FROM + 6 * H;
const REPLAY_TO = REPLAY_FROM + 20 * H;

describe('model groups', () => {
  let t: TestApp;
  let members: { id: number; tag: string }[];
  let groupId: number;

  beforeAll(async () => {
    t = await startTestApp();
    members = [];
    for (let i = 0; i < 3; i++)
      members.push(await makeInstrument(t, { publish_interval_seconds: INTERVAL_S }));
  }, 60_000);
  afterAll(() => t?.stop());

  it('validates a group: members, unknown fields, roles', async () => {
    const ids = members.map((m) => m.id);
    const one = await t.api('POST', '/api/ml/model-groups', {
      body: { name: 'x', instrument_ids: [ids[0]] },
    });
    expect(one.status).toBe(400);
    const twice = await t.api('POST', '/api/ml/model-groups', {
      body: { name: 'x', instrument_ids: [ids[0], ids[0]] },
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.details.field).toBe('instrument_ids');
    const unknown = await t.api('POST', '/api/ml/model-groups', {
      body: { name: 'x', instrument_ids: ids, window: 5 },
    });
    expect(unknown.status).toBe(400);
    const missing = await t.api('POST', '/api/ml/model-groups', {
      body: { name: 'x', instrument_ids: [ids[0], 999_999] },
    });
    expect(missing.status).toBe(400);
    const neither = await t.api('POST', '/api/ml/model-groups', { body: { name: 'x' } });
    expect(neither.status).toBe(400);
    const tech = await makeUser(t, 'technician');
    const denied = await t.api('POST', '/api/ml/model-groups', {
      token: tech.token,
      body: { name: 'x', instrument_ids: ids },
    });
    expect(denied.status).toBe(403);
  });

  it('creates a group once; an instrument belongs to one group; training needs a common baseline', async () => {
    const ids = members.map((m) => m.id);
    const created = await t.api('POST', '/api/ml/model-groups', {
      body: { name: 'Header 1 pressures', instrument_ids: ids, description: 'three PTs on one header' },
    });
    expect(created.status).toBe(201);
    expect(created.body.members.map((m: { id: number }) => m.id)).toEqual(ids);
    expect(created.body.active_version).toBeNull();
    groupId = created.body.id;
    const sameName = await t.api('POST', '/api/ml/model-groups', {
      body: { name: 'header 1 PRESSURES', instrument_ids: [ids[0], ids[1]] },
    });
    expect(sameName.status).toBe(409);
    const other = await makeInstrument(t, { publish_interval_seconds: INTERVAL_S });
    const taken = await t.api('POST', '/api/ml/model-groups', {
      body: { name: 'Other', instrument_ids: [other.id, ids[2]] },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('instrument_in_group');
    const untrained = await t.api('POST', `/api/ml/model-groups/${groupId}/train`);
    expect(untrained.status).toBe(422);
    expect(untrained.body.error.code).toBe('model_group_no_common_baseline');
    const audit = await t.api('GET', `/api/audit?entity_type=model_group&entity_id=${groupId}`);
    expect(audit.body.items.map((a: { action: string }) => a.action)).toContain('create');
  });

  it('trains on the common baseline and detects the drifting member within 12 h, not its twins', async () => {
    const base = header(T0, REPLAY_FROM, 11);
    for (let j = 0; j < 3; j++) {
      await storeReadings(t, members[j].id, base[j]);
      const b = await t.api('POST', '/api/ml/baselines', {
        body: {
          tag: members[j].tag,
          start: new Date(T0).toISOString(),
          end: new Date(REPLAY_FROM).toISOString(),
        },
      });
      expect(b.status).toBe(201);
    }
    const trained = await t.api('POST', `/api/ml/model-groups/${groupId}/train`);
    expect(trained.status).toBe(201);
    expect(trained.body).toMatchObject({ version: 1, is_active: true, member_ids: members.map((m) => m.id) });
    expect(trained.body.metrics.drift.rows).toBe(48);
    expect(trained.body.metrics.anomaly.rows).toBeGreaterThan(2000);
    const live = await waitFor('the monitor to load the group', async () => {
      const g = await t.api('GET', `/api/ml/model-groups/${groupId}`);
      return g.body.live;
    });
    expect(live.members).toHaveLength(3);

    // 1 % of the 10 bar span a day on member 0 from DRIFT_FROM.
    const replay = header(REPLAY_FROM, REPLAY_TO, 12, (ts) =>
      ts < DRIFT_FROM ? 0 : (0.1 * (ts - DRIFT_FROM)) / (24 * H),
    );
    for (let j = 0; j < 3; j++) await publishReadings(t, members[j].tag, 'bar', replay[j]);
    // Each member's readings arrive as a block: the group scores windows once all three have them.
    const alert = await waitFor(
      'a drift alert on the drifting member',
      async () => {
        const res = await t.api(
          'GET',
          `/api/alerts?instrument_id=${members[0].id}&alert_type=drift&status=all`,
        );
        return res.body.items[0];
      },
      60_000,
    );
    const delayH = (Date.parse(alert.first_seen) - DRIFT_FROM) / H;
    expect(delayH).toBeGreaterThan(0);
    expect(delayH).toBeLessThan(12);
    // The process step moved all three together: no twin has a drift alert.
    for (const twin of members.slice(1)) {
      const res = await t.api('GET', `/api/alerts?instrument_id=${twin.id}&alert_type=drift&status=all`);
      expect(res.body.total).toBe(0);
    }
    const g = await t.api('GET', `/api/ml/model-groups/${groupId}`);
    expect(g.body.live.members[0].residual_cusum.alarm_up).toBe(true);
    // The instrument's own status (and health score) shows the residual CUSUM, not its paused one.
    const status = await t.api('GET', `/api/instruments/${members[0].id}/status`);
    expect(status.body.cusum).toMatchObject({ alarm_up: true });
  }, 120_000);

  it('concurrent trainings and activations: distinct versions, exactly one active', async () => {
    const [a, b] = await Promise.all([
      t.api('POST', `/api/ml/model-groups/${groupId}/train`),
      t.api('POST', `/api/ml/model-groups/${groupId}/train`),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect([a.body.version, b.body.version].sort()).toEqual([2, 3]);
    const acts = await Promise.all(
      [1, 2, 3].map((v) => t.api('POST', `/api/ml/model-groups/${groupId}/versions/${v}/activate`)),
    );
    // They queue on the group (on PostgreSQL they deadlocked without it): all succeed, one ends
    // active, and each audit row names the version the one before it made active.
    expect(acts.map((r) => r.status)).toEqual([200, 200, 200]);
    const versions = await t.api('GET', `/api/ml/model-groups/${groupId}/versions`);
    expect(versions.body.items.filter((v: { is_active: boolean }) => v.is_active)).toHaveLength(1);
    const audit = await t.api(
      'GET',
      `/api/audit?entity_type=model_group&entity_id=${groupId}&action=activate&limit=100`,
    );
    expect(audit.body.items).toHaveLength(3);
    expectChainedActivations(audit.body.items);
    // Back to a known state for the next test: version 1 active.
    expect((await t.api('POST', `/api/ml/model-groups/${groupId}/versions/1/activate`)).status).toBe(200);
  });

  it('keeps versions: retraining adds one, an older one can be re-activated, new members deactivate', async () => {
    const v2 = await t.api('POST', `/api/ml/model-groups/${groupId}/train`);
    expect(v2.status).toBe(201);
    expect(v2.body.version).toBe(4);
    const back = await t.api('POST', `/api/ml/model-groups/${groupId}/versions/1/activate`);
    expect(back.status).toBe(200);
    const versions = await t.api('GET', `/api/ml/model-groups/${groupId}/versions`);
    expect(
      versions.body.items.map((v: { version: number; is_active: boolean }) => [v.version, v.is_active]),
    ).toEqual([
      [4, false],
      [3, false],
      [2, false],
      [1, true],
    ]);
    const none = await t.api('POST', `/api/ml/model-groups/${groupId}/versions/9/activate`);
    expect(none.status).toBe(404);
    const shrink = await t.api('PATCH', `/api/ml/model-groups/${groupId}`, {
      body: { instrument_ids: [members[1].id, members[2].id] },
    });
    expect(shrink.status).toBe(200);
    expect(shrink.body.active_version).toBeNull();
    const stale = await t.api('POST', `/api/ml/model-groups/${groupId}/versions/2/activate`);
    expect(stale.status).toBe(422);
    const empty = await t.api('PATCH', `/api/ml/model-groups/${groupId}`, { body: {} });
    expect(empty.status).toBe(400);
    const gone = await t.api('DELETE', `/api/ml/model-groups/${groupId}`);
    expect(gone.status).toBe(200);
    expect((await t.api('GET', `/api/ml/model-groups/${groupId}`)).status).toBe(404);
  });
});
