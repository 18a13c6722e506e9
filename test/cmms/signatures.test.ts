import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { ADMIN, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { download, pdfPages, squash } from '../reports/report-files.ts';
import { makeStandard, points } from './cmms-fixtures.ts';

const completion = { completion_notes: 'done', actual_duration_minutes: 30, parts_used: 'none' };

describe('electronic signatures (issue 13 item 7)', () => {
  let t: TestApp;
  let tech: Awaited<ReturnType<typeof makeUser>>;
  let other: Awaited<ReturnType<typeof makeUser>>;
  let supervisor: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    t = await startTestApp();
    tech = await makeUser(t, 'technician');
    other = await makeUser(t, 'technician');
    supervisor = await makeUser(t, 'admin');
  });
  afterAll(() => t?.stop());

  const setPolicy = (type: string, body: Record<string, boolean>) =>
    t.api('PATCH', `/api/signature-policies/${type}`, { body });

  it('signs a calibration as performed, reviewed and approved, with the content hash, and enforces who may sign', async () => {
    const std = await makeStandard(t, new Date());
    const inst = await makeInstrument(t);
    const rec = await t.api('POST', '/api/calibrations', {
      token: tech.token,
      body: {
        instrument_id: inst.id,
        reference_standard_id: std.id,
        points: points(0.1, 0.1),
        signature: { password: tech.password, comment: 'as found, adjusted none' },
      },
    });
    expect(rec.status, JSON.stringify(rec.body)).toBe(201);
    const sigs = await t.api(
      'GET',
      `/api/signatures?entity_type=calibration_record&entity_id=${rec.body.id}`,
    );
    expect(sigs.body).toMatchObject({ status: 'signed', awaiting_approval: false });
    expect(sigs.body.items[0]).toMatchObject({ meaning: 'performed', user_id: tech.id });
    expect(sigs.body.items[0].content_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(sigs.body.items[0].signature_hash).toMatch(/^[0-9a-f]{64}$/);

    const sign = (token: string, meaning: string, password: string) =>
      t.api('POST', '/api/signatures', {
        token,
        body: { entity_type: 'calibration_record', entity_id: rec.body.id, meaning, password },
      });
    const wrong = await sign(other.token, 'reviewed', 'not-my-password');
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('signature_password_incorrect');
    const self = await sign(tech.token, 'reviewed', tech.password);
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe('signature_same_person');
    const notPerformer = await sign(other.token, 'performed', other.password);
    expect(notPerformer.status).toBe(403);
    const techApproves = await sign(other.token, 'approved', other.password);
    expect(techApproves.status).toBe(403);
    expect(techApproves.body.error.code).toBe('signature_needs_admin');
    const reviewed = await sign(other.token, 'reviewed', other.password);
    expect(reviewed.status).toBe(201);
    const [a1, a2] = await Promise.all([
      sign(supervisor.token, 'approved', supervisor.password),
      sign(t.adminToken, 'approved', ADMIN.password),
    ]);
    expect([a1.status, a2.status].sort()).toEqual([201, 409]);
    const after = await t.api(
      'GET',
      `/api/signatures?entity_type=calibration_record&entity_id=${rec.body.id}`,
    );
    expect(after.body.status).toBe('approved');
    expect(after.body.items.map((s: { meaning: string }) => s.meaning)).toEqual([
      'performed',
      'reviewed',
      'approved',
    ]);

    const audit = await t.api(
      'GET',
      `/api/audit?entity_type=calibration_record&entity_id=${rec.body.id}&limit=50`,
    );
    const actions = audit.body.items.map((r: { action: string }) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining(['sign_performed', 'sign_reviewed', 'sign_approved', 'sign_refused']),
    );
    expect(JSON.stringify(audit.body)).not.toContain('not-my-password');

    // The certificate prints the three signatures (who, meaning) and the signed content's hash.
    const cert = await download(t.url, `/api/calibrations/${rec.body.id}/certificate.pdf`, tech.token);
    expect(cert.status).toBe(200);
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/certificate-signed.pdf', cert.body); // kept for a look
    const certText = squash(pdfPages(cert.body).join('\n'));
    expect(certText).toContain(`performed: Test technician ${tech.employee_number}`);
    expect(certText).toContain(`reviewed: Test technician ${other.employee_number}`);
    // Either admin may have won the approval race above.
    expect(certText).toMatch(
      new RegExp(`approved: (Test admin ${supervisor.employee_number}|Administrator)`),
    );

    const report = await t.api('GET', `/api/reports/calibration?tag=${inst.tag}`);
    const section = report.body.sections.find((s: { key: string }) => s.key === 'signatures');
    expect(section.rows.map((r: { meaning: string }) => r.meaning)).toEqual([
      'performed',
      'reviewed',
      'approved',
    ]);
  });

  it('the policy requires the signature on completion and a second person’s approval before a calibration WO closes', async () => {
    const std = await makeStandard(t, new Date());
    const inst = await makeInstrument(t);
    expect(
      (await setPolicy('calibration_record', { signature_required: true, approval_required: true })).status,
    ).toBe(200);
    expect((await setPolicy('work_order', { signature_required: true })).status).toBe(200);
    const asTech = await t.api('PATCH', '/api/signature-policies/work_order', {
      token: tech.token,
      body: { signature_required: false },
    });
    expect(asTech.status).toBe(403);
    try {
      const wo = await t.api('POST', '/api/work-orders', {
        body: { instrument_id: inst.id, title: 'Calibrate', type: 'calibration', assigned_to: tech.id },
      });
      await t.api('PATCH', `/api/work-orders/${wo.body.id}`, {
        token: tech.token,
        body: { status: 'in_progress' },
      });
      const unsigned = await t.api('POST', '/api/calibrations', {
        token: tech.token,
        body: {
          instrument_id: inst.id,
          reference_standard_id: std.id,
          work_order_id: wo.body.id,
          points: points(0.1, 0.1),
        },
      });
      expect(unsigned.status).toBe(422);
      expect(unsigned.body.error.code).toBe('signature_required');
      const rec = await t.api('POST', '/api/calibrations', {
        token: tech.token,
        body: {
          instrument_id: inst.id,
          reference_standard_id: std.id,
          work_order_id: wo.body.id,
          points: points(0.1, 0.1),
          signature: { password: tech.password },
        },
      });
      expect(rec.status).toBe(201);

      const notApproved = await t.api('PATCH', `/api/work-orders/${wo.body.id}`, {
        token: tech.token,
        body: { status: 'completed', ...completion, signature: { password: tech.password } },
      });
      expect(notApproved.status).toBe(422);
      expect(notApproved.body.error.code).toBe('calibration_not_approved');
      const approve = await t.api('POST', '/api/signatures', {
        token: supervisor.token,
        body: {
          entity_type: 'calibration_record',
          entity_id: rec.body.id,
          meaning: 'approved',
          password: supervisor.password,
        },
      });
      expect(approve.status).toBe(201);

      const stray = await t.api('PATCH', `/api/work-orders/${wo.body.id}`, {
        token: tech.token,
        body: { signature: { password: tech.password } },
      });
      expect(stray.status).toBe(400);
      expect(stray.body.error.details.field).toBe('signature');
      const noSig = await t.api('PATCH', `/api/work-orders/${wo.body.id}`, {
        token: tech.token,
        body: { status: 'completed', ...completion },
      });
      expect(noSig.status).toBe(422);
      expect(noSig.body.error.code).toBe('signature_required');
      const badPw = await t.api('PATCH', `/api/work-orders/${wo.body.id}`, {
        token: tech.token,
        body: { status: 'completed', ...completion, signature: { password: 'wrong-password-1' } },
      });
      expect(badPw.status).toBe(403);
      const still = await t.api('GET', `/api/work-orders/${wo.body.id}`);
      expect(still.body.status).toBe('in_progress');
      const done = await t.api('PATCH', `/api/work-orders/${wo.body.id}`, {
        token: tech.token,
        body: { status: 'completed', ...completion, signature: { password: tech.password } },
      });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      const woSigs = await t.api('GET', `/api/signatures?entity_type=work_order&entity_id=${wo.body.id}`);
      expect(woSigs.body).toMatchObject({
        status: 'signed',
        awaiting_approval: false,
        signature_required: true,
      });
      expect(woSigs.body.items[0]).toMatchObject({ meaning: 'performed', user_id: tech.id });
    } finally {
      await setPolicy('calibration_record', { signature_required: false, approval_required: false });
      await setPolicy('work_order', { signature_required: false, approval_required: false });
    }
    const policies = await t.api('GET', '/api/signature-policies', { token: tech.token });
    expect(policies.body.items).toHaveLength(2);
  });

  it('refuses bad signature requests with clear errors', async () => {
    const bad = await t.api('POST', '/api/signatures', {
      body: { entity_type: 'calibration_record', entity_id: 1, meaning: 'witnessed', password: 'x' },
    });
    expect(bad.status).toBe(400);
    const missing = await t.api('POST', '/api/signatures', {
      body: { entity_type: 'work_order', entity_id: 999999, meaning: 'reviewed', password: ADMIN.password },
    });
    expect(missing.status).toBe(404);
    const extra = await t.api('POST', '/api/signatures', {
      body: { entity_type: 'work_order', entity_id: 1, meaning: 'reviewed', password: 'x', hash: 'abc' },
    });
    expect(extra.status).toBe(400);
  });
});
