import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { type MailCatcher, startMailCatcher } from '../helpers/mail-catcher.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('assignment notifications, in the app and by e-mail', () => {
  let mail: MailCatcher;
  let t: TestApp;
  beforeAll(async () => {
    mail = await startMailCatcher();
    t = await startTestApp({
      env: {
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(mail.port),
        SMTP_FROM: 'CMMS <cmms@plant.test>',
        PUBLIC_URL: 'https://cmms.plant.test',
      },
    });
  });
  afterAll(async () => {
    await t?.stop();
    await mail?.close();
  });

  it('notifies the assignee on create and on reassignment; read, read-all and the unread count', async () => {
    const tech = await makeUser(t, 'technician', { email: 'mwila@plant.test' });
    const tech2 = await makeUser(t, 'technician', { email: 'bwalya@plant.test' });
    const inst = await makeInstrument(t);
    const created = await t.api('POST', '/api/work-orders', {
      body: {
        instrument_id: inst.id,
        title: 'Check transmitter zero',
        type: 'inspection',
        priority: 'high',
        assigned_to: tech.id,
      },
    });
    expect(created.status).toBe(201);
    const woId = created.body.id;

    const inbox = await t.api('GET', '/api/notifications', { token: tech.token });
    expect(inbox.status).toBe(200);
    expect(inbox.body).toMatchObject({ total: 1, unread_count: 1 });
    const n = inbox.body.items[0];
    expect(n).toMatchObject({ work_order_id: woId, kind: 'assignment', read: false });
    expect(n.message).toContain(`#${woId}`);
    expect(n.message).toContain('Check transmitter zero');
    expect(n.created_at).toEqual(expect.any(String));
    expect((await t.api('GET', '/api/notifications/unread-count', { token: tech.token })).body).toEqual({
      unread_count: 1,
    });
    // Nobody else sees it.
    expect((await t.api('GET', '/api/notifications', { token: tech2.token })).body.total).toBe(0);

    const email = await mail.waitFor((m) => m.to.includes('mwila@plant.test'));
    expect(email.from).toBe('cmms@plant.test');
    expect(email.subject).toContain(`Work order #${woId}`);
    expect(email.text).toContain('Check transmitter zero');
    expect(email.text).toContain(inst.tag);
    expect(email.text).toContain(`https://cmms.plant.test/work-orders/${woId}`);

    // Reassigning tells the new assignee.
    const moved = await t.api('PATCH', `/api/work-orders/${woId}`, { body: { assigned_to: tech2.id } });
    expect(moved.status).toBe(200);
    const inbox2 = await t.api('GET', '/api/notifications', { token: tech2.token });
    expect(inbox2.body.items.map((x: { work_order_id: number }) => x.work_order_id)).toEqual([woId]);
    await mail.waitFor((m) => m.to.includes('bwalya@plant.test') && m.subject.includes(`#${woId}`));

    // Mark one read: the unread list empties, ?all=true still shows it.
    const read = await t.api('POST', `/api/notifications/${n.id}/read`, { token: tech.token });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: n.id, read: true });
    expect((await t.api('GET', '/api/notifications', { token: tech.token })).body).toMatchObject({
      total: 0,
      unread_count: 0,
    });
    const all = await t.api('GET', '/api/notifications?all=true', { token: tech.token });
    expect(all.body.items.map((x: { id: number; read: boolean }) => [x.id, x.read])).toEqual([[n.id, true]]);
    // Another user's notification does not exist for you.
    expect((await t.api('POST', `/api/notifications/${n.id}/read`, { token: tech2.token })).status).toBe(404);

    for (const title of ['Second', 'Third']) {
      await t.api('POST', '/api/work-orders', {
        body: { instrument_id: inst.id, title, type: 'inspection', assigned_to: tech.id },
      });
    }
    expect(
      (await t.api('GET', '/api/notifications/unread-count', { token: tech.token })).body.unread_count,
    ).toBe(2);
    const readAll = await t.api('POST', '/api/notifications/read-all', { token: tech.token });
    expect(readAll.body).toEqual({ updated: 2 });
    expect(
      (await t.api('GET', '/api/notifications/unread-count', { token: tech.token })).body.unread_count,
    ).toBe(0);
    const audit = await t.api('GET', `/api/audit?entity_type=notification&user_id=${tech.id}`);
    expect(audit.body.items.map((a: { action: string }) => a.action)).toEqual(['read_all', 'read']);
  });

  it('a user without an e-mail address still gets the in-app notification', async () => {
    const tech = await makeUser(t, 'technician');
    const inst = await makeInstrument(t);
    const before = mail.messages.length;
    await t.api('POST', '/api/work-orders', {
      body: { instrument_id: inst.id, title: 'No mail', type: 'inspection', assigned_to: tech.id },
    });
    expect((await t.api('GET', '/api/notifications', { token: tech.token })).body.total).toBe(1);
    await t.server.ctx.mailer.flush();
    expect(mail.messages.length).toBe(before);
  });
});

describe('a failing SMTP server', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(await closedPort()) } });
  });
  afterAll(() => t?.stop());

  it('never fails the assignment', async () => {
    const tech = await makeUser(t, 'technician', { email: 'tech@plant.test' });
    const inst = await makeInstrument(t);
    const res = await t.api('POST', '/api/work-orders', {
      body: {
        instrument_id: inst.id,
        title: 'Mail server is down',
        type: 'corrective',
        assigned_to: tech.id,
      },
    });
    expect(res.status).toBe(201);
    // The send was attempted and failed (connection refused) without touching the stored change.
    expect(t.server.ctx.mailer.enabled).toBe(true);
    await t.server.ctx.mailer.flush();
    const inbox = await t.api('GET', '/api/notifications', { token: tech.token });
    expect(inbox.body.items.map((n: { work_order_id: number }) => n.work_order_id)).toEqual([res.body.id]);
    const reassign = await t.api('PATCH', `/api/work-orders/${res.body.id}`, { body: { assigned_to: null } });
    expect(reassign.status).toBe(200);
  });
});
