import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.ts';
import { makeUser } from '../helpers/factories.ts';
import { type CaughtMail, type MailCatcher, startMailCatcher } from '../helpers/mail-catcher.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const tokenIn = (m: CaughtMail) => {
  const match = m.text.match(/Reset code: ([A-Za-z0-9_-]+)/);
  if (!match) throw new Error(`no reset code in: ${m.text}`);
  return match[1];
};

describe('password reset by e-mail', () => {
  const clock = new ManualClock('2026-06-01T10:00:00.000Z');
  let mail: MailCatcher;
  let t: TestApp;
  beforeAll(async () => {
    mail = await startMailCatcher();
    t = await startTestApp({
      clock,
      env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(mail.port), PUBLIC_URL: 'https://cmms.plant.test' },
    });
  });
  afterAll(async () => {
    await t?.stop();
    await mail?.close();
  });

  const request = (body: Record<string, unknown>) =>
    t.api('POST', '/api/auth/password-reset/request', { token: null, body });
  const confirm = (token: string, new_password: string) =>
    t.api('POST', '/api/auth/password-reset/confirm', { token: null, body: { token, new_password } });
  const loginStatus = async (employee_number: string, password: string) =>
    (await t.api('POST', '/api/auth/login', { token: null, body: { employee_number, password } })).status;

  it('e-mails a single-use token; the new password works, the old one and the token stop working', async () => {
    const user = await makeUser(t, 'technician', { email: 'reset.me@plant.test' });
    const res = await request({ employee_number: user.employee_number });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(true);
    const email = await mail.waitFor((m) => m.to.includes('reset.me@plant.test'));
    expect(email.subject).toContain('Password reset');
    const token = tokenIn(email);
    expect(email.text).toContain(`https://cmms.plant.test/reset-password?token=${token}`);

    // Only the token's SHA-256 is stored.
    const rows = await t.server.ctx.db
      .selectFrom('password_reset_tokens')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(token);

    const weak = await confirm(token, 'short');
    expect(weak.status).toBe(400);
    expect(weak.body.error.details.field).toBe('new_password');

    clock.advance(5_000); // sessions are stamped in whole seconds
    const ok = await confirm(token, 'a-brand-new-password');
    expect(ok.status).toBe(200);
    expect(await loginStatus(user.employee_number, 'a-brand-new-password')).toBe(200);
    expect(await loginStatus(user.employee_number, user.password)).toBe(401);
    // The old session ended with the password change.
    expect((await t.api('GET', '/api/auth/me', { token: user.token })).status).toBe(401);

    const reuse = await confirm(token, 'yet-another-password');
    expect(reuse.status).toBe(400);
    expect(reuse.body.error.code).toBe('reset_token_invalid');

    const audit = await t.api('GET', `/api/audit?entity_type=user&entity_id=${user.id}`);
    const actions = audit.body.items.map((a: { action: string }) => a.action);
    expect(actions).toContain('password_reset_requested');
    expect(actions).toContain('password_reset');
    expect(JSON.stringify(audit.body.items)).not.toContain(token);
  });

  it('finds the account by e-mail too, and the token expires after an hour', async () => {
    const user = await makeUser(t, 'technician', { email: 'Expiring.User@plant.test' });
    expect((await request({ email: 'expiring.user@plant.test' })).status).toBe(200);
    const token = tokenIn(await mail.waitFor((m) => m.to.includes('Expiring.User@plant.test')));
    clock.advance(61 * 60_000);
    await t.refreshAdmin();
    const late = await confirm(token, 'too-late-password');
    expect(late.status).toBe(400);
    expect(late.body.error.code).toBe('reset_token_invalid');
    expect(await loginStatus(user.employee_number, user.password)).toBe(200);

    // A new request sends a new link; repeating it within a minute sends nothing more.
    expect((await request({ employee_number: user.employee_number })).status).toBe(200);
    const second = tokenIn(
      await mail.waitFor((m) => m.to.includes('Expiring.User@plant.test') && tokenIn(m) !== token),
    );
    expect((await request({ employee_number: user.employee_number })).status).toBe(200);
    await t.server.ctx.mailer.flush();
    expect(mail.messages.filter((m) => m.to.includes('Expiring.User@plant.test'))).toHaveLength(2);
    expect((await confirm(second, 'second-try-password')).status).toBe(200);
    expect(await loginStatus(user.employee_number, 'second-try-password')).toBe(200);
  });

  it('answers the same for unknown accounts and accounts without e-mail, and sends nothing', async () => {
    const noEmail = await makeUser(t, 'technician');
    const before = mail.messages.length;
    const unknown = await request({ employee_number: 'NO-SUCH-USER' });
    const withoutAddress = await request({ employee_number: noEmail.employee_number });
    const unknownEmail = await request({ email: 'nobody@plant.test' });
    expect([unknown.status, withoutAddress.status, unknownEmail.status]).toEqual([200, 200, 200]);
    expect(unknown.body).toEqual(withoutAddress.body);
    expect(unknown.body).toEqual(unknownEmail.body);
    await t.server.ctx.mailer.flush();
    expect(mail.messages.length).toBe(before);

    const empty = await request({});
    expect(empty.status).toBe(400);
    expect((await confirm('not-a-real-token-at-all', 'whatever-password')).body.error.code).toBe(
      'reset_token_invalid',
    );
  });
});
