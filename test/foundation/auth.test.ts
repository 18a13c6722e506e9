import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.ts';
import { makeUser } from '../helpers/factories.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app.ts';

describe('auth', () => {
  let t: TestApp;
  const clock = new ManualClock('2026-06-01T08:00:00Z');
  beforeAll(async () => {
    t = await startTestApp({ clock, env: { LOGIN_MAX_FAILURES: '3' } });
  });
  afterAll(() => t?.stop());

  it('logs in with employee number and password and returns a bearer token that expires after JWT_EXPIRY_HOURS', async () => {
    const res = await t.api('POST', '/api/auth/login', { token: null, body: ADMIN });
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('bearer');
    expect(res.body.expires_at).toBe('2026-06-01T16:00:00.000Z');
    expect(res.body.user).toMatchObject({ employee_number: 'admin', role: 'admin', is_active: true });
    expect(JSON.stringify(res.body)).not.toMatch(/password_hash|\$2[aby]\$/);
    const me = await t.api('GET', '/api/auth/me', { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.employee_number).toBe('admin');
  });

  it('refuses a wrong password with 401 and never says which part was wrong', async () => {
    const res = await t.api('POST', '/api/auth/login', {
      token: null,
      body: { employee_number: 'admin', password: 'nope-nope' },
    });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_credentials');
    const unknown = await t.api('POST', '/api/auth/login', {
      token: null,
      body: { employee_number: 'ghost', password: 'x' },
    });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe('invalid_credentials');
  });

  it('rate-limits repeated failures per employee number', async () => {
    const u = await makeUser(t);
    for (let i = 0; i < 3; i++) {
      const r = await t.api('POST', '/api/auth/login', {
        token: null,
        body: { employee_number: u.employee_number, password: 'wrong-pass' },
      });
      expect(r.status).toBe(401);
    }
    const blocked = await t.api('POST', '/api/auth/login', {
      token: null,
      body: { employee_number: u.employee_number, password: u.password },
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('too_many_attempts');
    clock.advance(16 * 60_000);
    const later = await t.api('POST', '/api/auth/login', {
      token: null,
      body: { employee_number: u.employee_number, password: u.password },
    });
    expect(later.status).toBe(200);
  });

  it('rejects a missing, malformed or expired token with 401', async () => {
    expect((await t.api('GET', '/api/auth/me', { token: null })).status).toBe(401);
    const bad = await t.api('GET', '/api/auth/me', { token: 'not.a.jwt' });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('token_invalid');
    const u = await makeUser(t);
    clock.advance(8 * 3600_000 + 1000);
    const expired = await t.api('GET', '/api/auth/me', { token: u.token });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('token_expired');
    await t.refreshAdmin();
  });

  it('ends a deactivated user session on the next request', async () => {
    const u = await makeUser(t);
    expect((await t.api('GET', '/api/auth/me', { token: u.token })).status).toBe(200);
    const off = await t.api('PATCH', `/api/users/${u.id}`, {
      token: await adminToken(),
      body: { is_active: false },
    });
    expect(off.status).toBe(200);
    expect(off.body.is_active).toBe(false);
    const after = await t.api('GET', '/api/auth/me', { token: u.token });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('account_inactive');
    const relog = await t.api('POST', '/api/auth/login', {
      token: null,
      body: { employee_number: u.employee_number, password: u.password },
    });
    expect(relog.status).toBe(401);
  });

  it('changes the own password (old sessions end) and lets an admin reset one', async () => {
    const u = await makeUser(t);
    const wrong = await t.api('POST', '/api/auth/change-password', {
      token: u.token,
      body: { current_password: 'bad-bad-bad', new_password: 'new-password-1' },
    });
    expect(wrong.status).toBe(401);
    const short = await t.api('POST', '/api/auth/change-password', {
      token: u.token,
      body: { current_password: u.password, new_password: 'short' },
    });
    expect(short.status).toBe(400);
    expect(short.body.error.details).toMatchObject({ field: 'new_password', rule: 'min_length' });
    clock.advance(2000);
    const ok = await t.api('POST', '/api/auth/change-password', {
      token: u.token,
      body: { current_password: u.password, new_password: 'new-password-1' },
    });
    expect(ok.status).toBe(200);
    expect((await t.api('GET', '/api/auth/me', { token: u.token })).body.error.code).toBe('token_revoked');
    const relog = await t.api('POST', '/api/auth/login', {
      token: null,
      body: { employee_number: u.employee_number, password: 'new-password-1' },
    });
    expect(relog.status).toBe(200);

    clock.advance(2000);
    const reset = await t.api('POST', `/api/users/${u.id}/reset-password`, {
      token: await adminToken(),
      body: {},
    });
    expect(reset.status).toBe(200);
    expect(reset.body.generated_password).toMatch(/.{12,}/);
    const withTemp = await t.api('POST', '/api/auth/login', {
      token: null,
      body: { employee_number: u.employee_number, password: reset.body.generated_password },
    });
    expect(withTemp.status).toBe(200);
    expect(withTemp.body.user.must_change_password).toBe(true);
  });

  it('manages users: create, list, read, update, never delete; duplicate employee number is 409', async () => {
    const token = await adminToken();
    const created = await t.api('POST', '/api/users', {
      token,
      body: {
        employee_number: 'T-9001',
        full_name: 'Chileshe Banda',
        email: 'cb@example.com',
        role: 'technician',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.generated_password).toBeTruthy();
    expect(created.body.user.must_change_password).toBe(true);
    const dup = await t.api('POST', '/api/users', {
      token,
      body: { employee_number: 'T-9001', full_name: 'X', role: 'technician' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('employee_number_taken');
    const badRole = await t.api('POST', '/api/users', {
      token,
      body: { employee_number: 'T-9002', full_name: 'X', role: 'boss' },
    });
    expect(badRole.status).toBe(400);
    expect(badRole.body.error.details.field).toBe('role');
    const list = await t.api('GET', '/api/users?q=chileshe', { token });
    expect(list.body.total).toBe(1);
    expect(list.body.items[0].employee_number).toBe('T-9001');
    const patched = await t.api('PATCH', `/api/users/${created.body.user.id}`, {
      token,
      body: { role: 'admin', full_name: 'C. Banda' },
    });
    expect(patched.body).toMatchObject({ role: 'admin', full_name: 'C. Banda' });
    expect((await t.api('DELETE', `/api/users/${created.body.user.id}`, { token })).status).toBe(404);
    const self = await t.api('PATCH', '/api/users/1', { token, body: { is_active: false } });
    expect(self.status).toBe(409);
    const audit = await t.api('GET', `/api/audit?entity_type=user&entity_id=${created.body.user.id}`, {
      token,
    });
    expect(audit.body.items.map((i: { action: string }) => i.action).sort()).toEqual(['create', 'update']);
    expect(JSON.stringify(audit.body)).not.toMatch(/password_hash|\$2[aby]\$/);
  });

  async function adminToken() {
    const r = await t.api('POST', '/api/auth/login', { token: null, body: ADMIN });
    return r.body.access_token as string;
  }
});
