import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { calibrate, makeStandard, points } from './cmms-fixtures.ts';

// A 1x1 PNG and a small PDF, as real bytes.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

describe('attachments on calibration and work-order records (issue 13 item 8)', () => {
  let t: TestApp;
  let tech: Awaited<ReturnType<typeof makeUser>>;
  let other: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    t = await startTestApp({ env: { ATTACHMENT_MAX_MB: '0.05' } });
    tech = await makeUser(t, 'technician');
    other = await makeUser(t, 'technician');
  });
  afterAll(() => t?.stop());

  const upload = (p: string, body: Buffer, opts: { type?: string; name: string; token?: string }) =>
    fetch(`${t.url}/api${p}?filename=${encodeURIComponent(opts.name)}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${opts.token ?? t.adminToken}`,
        'content-type': opts.type ?? 'application/octet-stream',
      },
      body: new Uint8Array(body),
    }).then(async (r) => ({ status: r.status, body: await r.json() }));

  it('stores a photo and a PDF on a calibration record, checks the type on the content, lists and downloads them', async () => {
    const std = await makeStandard(t, new Date());
    const inst = await makeInstrument(t);
    const rec = await calibrate(t, {
      instrument_id: inst.id,
      reference_standard_id: std.id,
      points: points(0.1, 0.1),
    });

    const photo = await upload(`/calibrations/${rec.id}/attachments`, PNG, {
      type: 'image/png',
      name: 'as-found display.png',
      token: tech.token,
    });
    expect(photo.status, JSON.stringify(photo.body)).toBe(201);
    expect(photo.body).toMatchObject({
      mime_type: 'image/png',
      size_bytes: PNG.length,
      uploaded_by: tech.id,
    });
    expect(photo.body.sha256).toMatch(/^[0-9a-f]{64}$/);
    const pdf = await upload(`/calibrations/${rec.id}/attachments`, PDF, { name: 'calibrator-printout.pdf' });
    expect(pdf.status).toBe(201);
    expect(pdf.body.mime_type).toBe('application/pdf');

    // A script renamed to .png, a PNG declared as PDF, a PDF named .png: all refused on the content.
    const fake = await upload(`/calibrations/${rec.id}/attachments`, Buffer.from('#!/bin/sh\nrm -rf /\n'), {
      type: 'image/png',
      name: 'photo.png',
    });
    expect(fake.status).toBe(415);
    expect(fake.body.error.code).toBe('attachment_type_not_allowed');
    const mismatch = await upload(`/calibrations/${rec.id}/attachments`, PNG, {
      type: 'application/pdf',
      name: 'x.pdf',
    });
    expect(mismatch.status).toBe(415);
    expect(mismatch.body.error.code).toBe('attachment_type_mismatch');
    const badExt = await upload(`/calibrations/${rec.id}/attachments`, PDF, { name: 'report.png' });
    expect(badExt.status).toBe(415);
    const tooBig = await upload(
      `/calibrations/${rec.id}/attachments`,
      Buffer.concat([PDF, Buffer.alloc(60_000)]),
      {
        name: 'big.pdf',
      },
    );
    expect(tooBig.status).toBe(413);
    const noName = await fetch(`${t.url}/api/calibrations/${rec.id}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'image/png' },
      body: new Uint8Array(PNG),
    });
    expect(noName.status).toBe(400);
    const missing = await upload('/calibrations/999999/attachments', PNG, { name: 'a.png' });
    expect(missing.status).toBe(404);

    const list = await t.api('GET', `/api/calibrations/${rec.id}/attachments`, { token: other.token });
    expect(list.body.items.map((a: { filename: string }) => a.filename)).toEqual([
      'as-found display.png',
      'calibrator-printout.pdf',
    ]);
    // Stored under ATTACHMENTS_DIR (default DATA_DIR/attachments), nothing left half-written.
    const dir = path.join(t.dataDir, 'attachments', 'calibration_record');
    expect(existsSync(dir)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.part'))).toEqual([]);
    expect(readdirSync(dir)).toHaveLength(2);

    // Download: a plain link with ?access_token= (the download pattern), bytes as stored.
    const dl = await fetch(`${t.url}/api/attachments/${photo.body.id}/download?access_token=${other.token}`);
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-type')).toContain('image/png');
    expect(dl.headers.get('content-disposition')).toContain('attachment');
    expect(Buffer.from(await dl.arrayBuffer()).equals(PNG)).toBe(true);
    const anon = await fetch(`${t.url}/api/attachments/${photo.body.id}/download`);
    expect(anon.status).toBe(401);

    const audit = await t.api(
      'GET',
      `/api/audit?entity_type=calibration_record&entity_id=${rec.id}&limit=50`,
    );
    const actions = audit.body.items.map((r: { action: string }) => r.action);
    expect(actions.filter((a: string) => a === 'attach')).toHaveLength(2);
    expect(actions).toContain('download_attachment');
  });

  it('attaches to work orders: technicians only to their own or unassigned work', async () => {
    const inst = await makeInstrument(t);
    const wo = await t.api('POST', '/api/work-orders', {
      body: { instrument_id: inst.id, title: 'Replace manifold', type: 'corrective', assigned_to: tech.id },
    });
    const notMine = await upload(`/work-orders/${wo.body.id}/attachments`, PNG, {
      name: 'a.png',
      token: other.token,
    });
    expect(notMine.status).toBe(403);
    const mine = await upload(`/work-orders/${wo.body.id}/attachments`, PNG, {
      name: 'before.png',
      token: tech.token,
    });
    expect(mine.status).toBe(201);
    const list = await t.api('GET', `/api/work-orders/${wo.body.id}/attachments`, { token: other.token });
    expect(list.body.total).toBe(1);
  });
});
