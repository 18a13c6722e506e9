// Issue 10, items 11 and 12: login throttling, password policy, token versions, where a token may
// travel in the query string, and what /health and /metrics show to whom.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.ts';
import { makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const METRICS_TOKEN = 'prometheus-scrape-token-0123';

describe('accounts: login throttling, password policy, token versions', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-06-01T08:00:00Z');
  beforeAll(async () => {
    t = await startTestApp({ clock, env: { LOGIN_MAX_FAILURES: '3' } });
  });
  afterAll(() => t?.stop());

  const login = (employee_number: string, password: string) =>
    t.api('POST', '/api/auth/login', { token: null, body: { employee_number, password } });

  it('matches the employee number trimmed and in any case, and throttles it under that same key', async () => {
    const u = await makeUser(t);
    expect((await login(`  ${u.employee_number.toLowerCase()} `, u.password)).status).toBe(200);
    // Three failures spelled three ways are three failures of one account.
    for (const spelling of [u.employee_number, ` ${u.employee_number}`, u.employee_number.toLowerCase()]) {
      expect((await login(spelling, 'wrong-password-9')).status).toBe(401);
    }
    const blocked = await login(u.employee_number, u.password);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('too_many_attempts');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    clock.advance(16 * 60_000);
    expect((await login(u.employee_number, u.password)).status).toBe(200);
  });

  it('counts concurrent guesses atomically: of 12 at once, at most 3 reach the password check', async () => {
    const u = await makeUser(t);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => login(u.employee_number, `wrong-password-${i}`)),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
    clock.advance(16 * 60_000);
  });

  it('keeps the failure count across a restart (it lives in the database)', async () => {
    const u = await makeUser(t);
    for (let i = 0; i < 3; i++) expect((await login(u.employee_number, 'wrong-password-9')).status).toBe(401);
    const before = await t.server.ctx.db
      .selectFrom('login_throttle')
      .select('attempts')
      .where('key', '=', `emp:${u.employee_number.toLowerCase()}`)
      .executeTakeFirstOrThrow();
    expect(before.attempts).toBe(3);
    await t.server.stop();
    const again = await startTestApp({
      clock,
      env: { LOGIN_MAX_FAILURES: '3' },
      databaseUrl: t.databaseUrl,
      dataDir: t.dataDir,
    });
    const first = t;
    // The restarted app borrows the first one's database; stopping it also drops that.
    t = {
      ...again,
      stop: async () => {
        await again.stop();
        await first.stop();
      },
    } as TestApp;
    expect((await login(u.employee_number, u.password)).status).toBe(429);
    clock.advance(16 * 60_000);
    expect((await login(u.employee_number, u.password)).status).toBe(200);
  });

  it('answers a deactivated account exactly as a wrong password or an unknown number', async () => {
    const u = await makeUser(t);
    const other = await makeUser(t);
    expect((await t.api('PATCH', `/api/users/${u.id}`, { body: { is_active: false } })).status).toBe(200);
    const deactivated = await login(u.employee_number, u.password);
    const wrong = await login(other.employee_number, 'wrong-password-9');
    const unknown = await login('NO-SUCH-PERSON', 'wrong-password-9');
    expect(deactivated.status).toBe(401);
    expect(deactivated.body).toEqual(wrong.body);
    expect(deactivated.body).toEqual(unknown.body);
    expect(deactivated.body.error).toEqual({
      code: 'invalid_credentials',
      message: 'employee number or password is wrong',
    });
  });

  it('refuses weak passwords wherever one is set, with a 400 naming the rule', async () => {
    const create = (employee_number: string, password: string) =>
      t.api('POST', '/api/users', {
        body: { employee_number, full_name: 'Policy Test', role: 'technician', password },
      });
    const cases: [string, string][] = [
      ['short-pw1', 'min_length'],
      ['xx-T-7001-yy', 'contains_employee_number'],
      ['my t-7001 pass', 'contains_employee_number'],
      ['aaaaaaaaaaaa', 'repeated_characters'],
      ['abababababab', 'repeated_characters'],
      ['Password123', 'common_password'],
      ['QWERTYUIOP', 'common_password'],
      ['1234567890', 'common_password'],
    ];
    for (const [password, rule] of cases) {
      const res = await create('T-7001', password);
      expect(res.status, password).toBe(400);
      expect(res.body.error.details, password).toMatchObject({ field: 'password', rule });
      expect(res.body.error.message, password).toMatch(/^password /);
    }
    expect((await create('T-7001', 'Kafue-gorge-dam-4')).status).toBe(201);
    // Employee numbers are one account in any case: 't-7001' is taken.
    const dup = await create('t-7001', 'Kafue-gorge-dam-5');
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('employee_number_taken');

    const u = await makeUser(t);
    const change = await t.api('POST', '/api/auth/change-password', {
      token: u.token,
      body: { current_password: u.password, new_password: `${u.employee_number}-pass` },
    });
    expect(change.status).toBe(400);
    expect(change.body.error.details).toMatchObject({
      field: 'new_password',
      rule: 'contains_employee_number',
    });
    const reset = await t.api('POST', `/api/users/${u.id}/reset-password`, {
      body: { password: 'letmein123' },
    });
    expect(reset.status).toBe(400);
    expect(reset.body.error.details.rule).toBe('common_password');
    // The weak attempts changed nothing.
    expect((await login(u.employee_number, u.password)).status).toBe(200);
  });

  it('revokes tokens issued before a password change, reset or deactivation within the same second', async () => {
    const u = await makeUser(t);
    const me = (token: string) => t.api('GET', '/api/auth/me', { token });
    // The clock does not move in this test: everything happens in one second.
    const changed = await t.api('POST', '/api/auth/change-password', {
      token: u.token,
      body: { current_password: u.password, new_password: 'Luangwa-valley-22' },
    });
    expect(changed.status).toBe(200);
    const revoked = await me(u.token);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe('token_revoked');
    const fresh = (await login(u.employee_number, 'Luangwa-valley-22')).body.access_token as string;
    expect((await me(fresh)).status).toBe(200);

    const reset = await t.api('POST', `/api/users/${u.id}/reset-password`, { body: {} });
    expect(reset.status).toBe(200);
    expect((await me(fresh)).body.error.code).toBe('token_revoked');
    const temp = (await login(u.employee_number, reset.body.generated_password)).body.access_token as string;
    expect((await me(temp)).status).toBe(200);

    // Deactivation ends the session, and reactivating does not bring the old token back.
    expect((await t.api('PATCH', `/api/users/${u.id}`, { body: { is_active: false } })).status).toBe(200);
    expect((await t.api('PATCH', `/api/users/${u.id}`, { body: { is_active: true } })).status).toBe(200);
    expect((await me(temp)).body.error.code).toBe('token_revoked');
    expect((await login(u.employee_number, reset.body.generated_password)).status).toBe(200);
  });
});

describe('where tokens travel, and what /health and /metrics show', () => {
  let t: TestApp;
  let tech: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_TOKEN } });
    tech = await makeUser(t);
  });
  afterAll(() => t?.stop());

  it('accepts ?access_token= only on file downloads', async () => {
    const q = `access_token=${encodeURIComponent(tech.token)}`;
    const me = await t.api('GET', `/api/auth/me?${q}`, { token: null });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('unauthorized');
    expect((await t.api('GET', `/api/instruments?${q}`, { token: null })).status).toBe(401);
    // The JSON view of a report is not a download; its CSV and PDF exports are.
    expect((await t.api('GET', `/api/reports/health-status?${q}`, { token: null })).status).toBe(401);
    const csv = await t.api('GET', `/api/reports/health-status?export=csv&${q}`, { token: null });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toMatch(/attachment/);
    // A job result download takes it too (404: no such job of this user, but authenticated).
    expect((await t.api('GET', `/api/jobs/999999/result?${q}`, { token: null })).status).toBe(404);
    expect((await t.api('GET', '/api/jobs/999999/result?access_token=forged', { token: null })).status).toBe(
      401,
    );
  });

  it('shows only the status on /health without a token, details to any user', async () => {
    const instrument = await t.api('POST', '/api/instruments', {
      body: { tag: 'TT-SECRET-1', type: 'temperature', unit: 'degC', range_min: 0, range_max: 200 },
    });
    expect(instrument.status).toBe(201);
    const anon = await t.api('GET', '/health', { token: null });
    expect(anon.status).toBe(200);
    expect(anon.body).toEqual({ status: 'ok' });
    const asTech = await t.api('GET', '/health', { token: tech.token });
    expect(asTech.status).toBe(200);
    expect(asTech.body).toMatchObject({ status: 'ok', database: { status: 'ok', writes: { status: 'ok' } } });
    expect(asTech.body.ingestion).toBeDefined();
    const withMetricsToken = await t.api('GET', '/health', { token: METRICS_TOKEN });
    expect(withMetricsToken.body.database).toBeDefined();
    const forged = await t.api('GET', '/health', { token: 'not.a.jwt' });
    expect(forged.status).toBe(401);
  });

  it('serves /metrics to admins and to METRICS_TOKEN only', async () => {
    expect((await t.api('GET', '/metrics', { token: null })).status).toBe(401);
    expect((await t.api('GET', '/metrics', { token: tech.token })).status).toBe(403);
    expect((await t.api('GET', '/metrics', { token: `${METRICS_TOKEN}x` })).status).toBe(401);
    expect((await t.api('GET', `/metrics?access_token=${METRICS_TOKEN}`, { token: null })).status).toBe(401);
    const admin = await t.api('GET', '/metrics');
    expect(admin.status).toBe(200);
    expect(admin.body).toContain('cmms_ingest');
    const scrape = await t.api('GET', '/metrics', { token: METRICS_TOKEN });
    expect(scrape.status).toBe(200);
    expect(scrape.body).toContain('cmms_ingest');
  });
});
