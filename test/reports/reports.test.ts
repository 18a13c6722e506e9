import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseAlert } from '../../src/alerts/alert-service.ts';
import { ManualClock } from '../../src/shared/clock.ts';
import { makeInstrument, makeUser } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { download, pdfPages, readCsv, squash } from './report-files.ts';

const HOUR = 3_600_000;

async function makeStandard(t: TestApp) {
  const res = await t.api('POST', '/api/reference-standards', {
    body: {
      identifier: `RS-${Math.random().toString(36).slice(2, 7).toUpperCase()}`,
      description: 'Deadweight tester',
      certificate_number: 'ZABS-77',
      accuracy: '0.015 % of reading',
      calibrated_on: '2020-01-01',
      due_date: '2099-01-01',
    },
  });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  return res.body as { id: number; identifier: string };
}

describe('calibration report: as-found / as-left per point', () => {
  let t: TestApp;
  let tag = '';
  let instrumentId = 0;
  let passId = 0;
  let failId = 0;
  let correctionId = 0;
  let tech: Awaited<ReturnType<typeof makeUser>>;

  beforeAll(async () => {
    t = await startTestApp();
    tech = await makeUser(t, 'technician', { full_name: 'Chileshe Banda' });
    const inst = await makeInstrument(t, { range_min: 0, range_max: 10, accuracy_class: 0.5 });
    tag = inst.tag;
    instrumentId = inst.id;
    const std = await makeStandard(t);
    const record = async (
      points: { reference_value: number; as_found: number; as_left: number }[],
      extra = {},
    ) => {
      const res = await t.api('POST', '/api/calibrations', {
        token: tech.token,
        body: { instrument_id: inst.id, reference_standard_id: std.id, points, ...extra },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as number;
    };
    passId = await record([
      { reference_value: 0, as_found: 0.01, as_left: 0 },
      { reference_value: 5, as_found: 5.02, as_left: 5.01 },
      { reference_value: 10, as_found: 9.97, as_left: 10 },
    ]);
    failId = await record([
      { reference_value: 0, as_found: 0.02, as_left: 0 },
      { reference_value: 5, as_found: 5.2, as_left: 5.01 },
      { reference_value: 10, as_found: 10.3, as_left: 10.02 },
    ]);
    correctionId = await record(
      [
        { reference_value: 0, as_found: 0.01, as_left: 0 },
        { reference_value: 5, as_found: 5.03, as_left: 5.01 },
        { reference_value: 10, as_found: 9.97, as_left: 10 },
      ],
      { corrects_id: passId, notes: 'point 2 was mistyped' },
    );
  });
  afterAll(() => t?.stop());

  it('lists each test point with errors in % of span and the verdicts', async () => {
    const res = await t.api('GET', `/api/reports/calibration?tag=${tag}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const r = res.body;
    expect(r.summary).toMatchObject({
      instruments: 1,
      calibrations: 3,
      passed: 2,
      failed: 1,
      as_found_out_of_tolerance: 1,
    });
    expect(r.total_rows).toBe(9);
    const failPoint = r.rows.find((x: any) => x.calibration_id === failId && x.point === 2);
    expect(failPoint).toMatchObject({
      tag,
      technician: 'Chileshe Banda',
      tolerance_pct: 0.5,
      reference_value: 5,
      as_found: 5.2,
      as_found_error_pct: 2,
      as_found_passed: false,
      as_left: 5.01,
      as_left_error_pct: 0.1,
      as_left_passed: true,
      result: false,
      remarks: 'As-found out of tolerance',
    });
    expect(r.rows.find((x: any) => x.calibration_id === passId).remarks).toBe(
      `Superseded by #${correctionId}`,
    );
    expect(r.rows.find((x: any) => x.calibration_id === correctionId).remarks).toBe(`Corrects #${passId}`);
    const status = r.sections.find((s: any) => s.key === 'status').rows;
    expect(status).toHaveLength(1);
    expect(status[0]).toMatchObject({ tag, interval_days: 180, last_result: true, status: 'In date' });
  });

  it('filters by result and paginates the JSON rows', async () => {
    const failed = await t.api('GET', `/api/reports/calibration?instrument_id=${instrumentId}&result=failed`);
    expect(failed.body.rows.map((x: any) => x.calibration_id)).toEqual([failId, failId, failId]);
    expect(failed.body.filters.map((f: any) => f.display)).toEqual([tag, 'failed']);
    const page = await t.api('GET', `/api/reports/calibration?tag=${tag}&limit=4&offset=4`);
    expect(page.body).toMatchObject({ total_rows: 9, limit: 4, offset: 4 });
    expect(page.body.rows).toHaveLength(4);
  });

  it('exports CSV rows a spreadsheet reads back', async () => {
    const file = await download(t.url, `/api/reports/calibration?tag=${tag}&export=csv`, t.adminToken);
    expect(file.status).toBe(200);
    const rows = readCsv(file.body);
    expect(rows).toHaveLength(9);
    expect(Object.keys(rows[0])).toEqual([
      'Cal #',
      'Tag',
      'Performed (UTC)',
      'Technician',
      'Ref. standard',
      'Tol. ±%',
      'Unit',
      'Procedure',
      'Pt',
      'Dir',
      'Reference',
      'As found',
      'AF err %',
      'AF',
      'As left',
      'AL err %',
      'AL',
      'TUR',
      'Hyst. %',
      'Repeatability %',
      'Lowest TUR',
      'Result',
      'Remarks',
    ]);
    const p = rows.find((x) => x['Cal #'] === String(failId) && x.Pt === '3');
    expect(p).toMatchObject({
      Tag: tag,
      Technician: 'Chileshe Banda',
      Reference: '10.0000',
      'As found': '10.3000',
      'AF err %': '3.000',
      AF: 'FAIL',
      'As left': '10.0200',
      'AL err %': '0.200',
      AL: 'PASS',
      Result: 'FAIL',
    });
  });

  it('prints the points and verdicts in the PDF', async () => {
    const file = await download(t.url, `/api/reports/calibration?tag=${tag}&export=pdf`, t.adminToken);
    expect(file.status).toBe(200);
    const text = squash(pdfPages(file.body).join('\n'));
    expect(text).toContain('Calibration Status and History');
    expect(text).toContain(`Instrument: ${tag}`);
    expect(text).toMatch(/As found AF err % AF As left AL err % AL TUR Hyst\. /);
    expect(text).toMatch(
      new RegExp(
        `${failId} ${tag} .*Chileshe Banda .*0\\.50 bar 1 up 0\\.0000 0\\.0200 0\\.200 PASS 0\\.0000 0\\.000 PASS .*FAIL`,
      ),
    );
    expect(text).toMatch(/2 up 5\.0000 5\.2000 2\.000 FAIL 5\.0100 0\.100 PASS/);
  });

  it('refuses bad filters with 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['tag=NO-SUCH-TAG', 'tag'],
      ['instrument_id=999999', 'instrument_id'],
      ['process_unit_id=999999', 'process_unit_id'],
      ['from=2024-05-01&to=2024-04-01', 'from'],
      ['from=yesterday', 'from'],
      ['result=maybe', 'result'],
      ['export=xls', 'export'],
    ];
    for (const [q, field] of cases) {
      const res = await t.api('GET', `/api/reports/calibration?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code, q).toBe('validation_error');
      expect(res.body.error.details.field, q).toBe(field);
    }
  });

  it('lets a technician export, naming them as the author', async () => {
    const file = await download(t.url, `/api/reports/calibration?tag=${tag}&export=pdf`, tech.token);
    expect(file.status).toBe(200);
    expect(squash(pdfPages(file.body)[0])).toContain(`Chileshe Banda (employee no. ${tech.employee_number})`);
  });
});

describe('work-order report: SLA performance worked out by hand', () => {
  const C = Date.parse('2024-03-01T00:00:00.000Z');
  const clock = new ManualClock(C);
  let t: TestApp;
  let tag = '';

  /**
   * Five work orders created at C:                      completed at   on time   breach
   *   W1 high,   due C+24h, est 60, actual 50           C+10h          yes       no
   *   W5 high,   due C+24h, est 60, actual 70           C+20h          yes       no
   *   W2 medium, due C+72h, est 60, actual 120          C+80h          no        yes
   *   W3 low,    due C+168h                             still open at C+200h     yes
   *   W4 urgent, due C+4h                               cancelled at C+1h        (not judged)
   * On time 2/3 = 66.7 %; mean time to complete (10 + 20 + 80) / 3 = 36.7 h; breaches 2;
   * actual / estimated = 240 / 180 = 133.3 %.
   */
  beforeAll(async () => {
    t = await startTestApp({ clock });
    const inst = await makeInstrument(t);
    tag = inst.tag;
    const at = (h: number) => new Date(C + h * HOUR).toISOString();
    const create = async (title: string, priority: string, dueH: number) => {
      const res = await t.api('POST', '/api/work-orders', {
        body: {
          instrument_id: inst.id,
          title,
          type: 'corrective',
          priority,
          due_date: at(dueH),
          estimated_duration_minutes: 60,
        },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as number;
    };
    const w1 = await create('W1 replace manifold', 'high', 24);
    const w2 = await create('W2 re-range transmitter', 'medium', 72);
    await create('W3 relabel, "north" side, check seal', 'low', 168);
    const w4 = await create('W4 urgent check', 'urgent', 4);
    const w5 = await create('W5 replace cable gland', 'high', 24);
    const patch = async (id: number, body: Record<string, unknown>) => {
      const res = await t.api('PATCH', `/api/work-orders/${id}`, { body });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    };
    const move = async (h: number) => {
      clock.set(C + h * HOUR);
      await t.refreshAdmin();
    };
    await move(1);
    for (const id of [w1, w2, w5]) await patch(id, { status: 'in_progress' });
    await patch(w4, { status: 'cancelled', cancel_reason: 'duplicate of another order' });
    const complete = (id: number, minutes: number) =>
      patch(id, {
        status: 'completed',
        completion_notes: 'done',
        actual_duration_minutes: minutes,
        parts_used: 'none',
      });
    await move(10);
    await complete(w1, 50);
    await move(20);
    await complete(w5, 70);
    await move(80);
    await complete(w2, 120);
    await move(200);
  });
  afterAll(() => t?.stop());

  it('computes on-time %, mean time to complete and SLA breaches', async () => {
    const res = await t.api('GET', `/api/reports/work-orders?tag=${tag}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.summary).toEqual({
      work_orders: 5,
      completed: 3,
      open: 1,
      cancelled: 1,
      on_time_pct: 66.7,
      mean_hours_to_complete: 36.7,
      sla_breaches: 2,
      actual_vs_estimated_pct: 133.3,
    });
    const sla = res.body.sections[0].rows;
    expect(
      sla.map((r: any) => [
        r.priority,
        r.work_orders,
        r.completed,
        r.on_time_pct,
        r.mean_hours_to_complete,
        r.breaches,
      ]),
    ).toEqual([
      ['urgent', 1, 0, null, null, 0],
      ['high', 2, 2, 100, 15, 0],
      ['medium', 1, 1, 0, 80, 1],
      ['low', 1, 0, null, null, 1],
    ]);
    expect(sla.find((r: any) => r.priority === 'high').sla_hours).toBe(24);
  });

  it('filters by status and priority', async () => {
    const open = await t.api('GET', `/api/reports/work-orders?tag=${tag}&status=active`);
    expect(open.body.rows.map((r: any) => r.title)).toEqual(['W3 relabel, "north" side, check seal']);
    const high = await t.api('GET', `/api/reports/work-orders?tag=${tag}&priority=high`);
    expect(high.body.summary).toMatchObject({ work_orders: 2, on_time_pct: 100, sla_breaches: 0 });
  });

  it('quotes commas and quotes in the CSV (RFC 4180)', async () => {
    const file = await download(t.url, `/api/reports/work-orders?tag=${tag}&export=csv`, t.adminToken);
    const text = file.body.toString('utf8');
    expect(text).toContain('"W3 relabel, ""north"" side, check seal"');
    const rows = readCsv(file.body);
    expect(rows.map((r) => r.Title)).toContain('W3 relabel, "north" side, check seal');
    expect(rows.find((r) => r.Title.startsWith('W2'))).toMatchObject({
      Priority: 'medium',
      Status: 'completed',
      'Created (UTC)': '2024-03-01 00:00',
      'Due (UTC)': '2024-03-04 00:00',
      'Completed (UTC)': '2024-03-04 08:00',
      Hours: '80.0',
      'On time': 'No',
      'SLA breach': 'Yes',
    });
  });

  it('prints the SLA figures in the PDF', async () => {
    const file = await download(t.url, `/api/reports/work-orders?tag=${tag}&export=pdf`, t.adminToken);
    const text = squash(pdfPages(file.body).join('\n'));
    expect(text).toContain('Work Order History and SLA Performance');
    expect(text).toContain('66.7 %');
    expect(text).toContain('36.7 h');
    expect(text).toMatch(/medium 72 1 1 0 0\.0 % 80\.0 1 0/);
  });
});

describe('maintenance, anomaly and health reports', () => {
  let t: TestApp;
  let tag = '';
  let unitId = 0;

  beforeAll(async () => {
    t = await startTestApp({ env: { PLANT_NAME: 'Chambishi Test Plant' } });
    unitId = (await t.api('POST', '/api/process-units', { body: { name: 'Smelter' } })).body.id;
    const inst = await makeInstrument(t, { process_unit_id: unitId });
    const other = await makeInstrument(t);
    tag = inst.tag;
    const now = t.server.ctx.clock.now().toISOString();
    await raiseAlert(t.server.ctx.db, {
      instrumentId: inst.id,
      alertType: 'drift',
      conditionKey: 'cusum_up',
      severity: 'warning',
      message: `${inst.tag} drift up`,
      details: { direction: 'up', shift_pct_of_span: 1.25, drift_rate_pct_span_per_day: 0.31 },
      at: now,
    });
    await raiseAlert(t.server.ctx.db, {
      instrumentId: inst.id,
      alertType: 'anomaly',
      conditionKey: 'isolation_forest',
      severity: 'critical',
      message: `${inst.tag} anomalous pattern`,
      details: { score: 0.81, top_features: [{ feature: 'std', z: 4.2 }] },
      at: now,
    });
    await raiseAlert(t.server.ctx.db, {
      instrumentId: inst.id,
      alertType: 'rule_violation',
      conditionKey: 'high_critical',
      severity: 'critical',
      message: `${inst.tag} high critical`,
      at: now,
    });
    // After the alerts: recording maintenance opens a suppression window for new ones.
    for (const [id, action, minutes] of [
      [inst.id, 'corrective', 45],
      [inst.id, 'inspection', 15],
      [other.id, 'inspection', 30],
    ] as const) {
      const res = await t.api('POST', '/api/maintenance', {
        body: {
          instrument_id: id,
          action_type: action,
          description: '=cmd|calc (typed by a technician)',
          parts_used: '1 x O-ring',
          duration_minutes: minutes,
        },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
  });
  afterAll(() => t?.stop());

  it('maintenance: records, totals by action type, formula-safe CSV', async () => {
    const res = await t.api('GET', `/api/reports/maintenance?process_unit_id=${unitId}`);
    expect(res.body.summary).toMatchObject({
      records: 2,
      instruments_serviced: 1,
      total_hours: 1,
      mean_duration_minutes: 30,
    });
    expect(res.body.sections[0].rows).toEqual([
      { action_type: 'corrective', records: 1, instruments: 1, total_hours: 0.8, mean_minutes: 45 },
      { action_type: 'inspection', records: 1, instruments: 1, total_hours: 0.3, mean_minutes: 15 },
    ]);
    const typed = await t.api('GET', '/api/reports/maintenance?action_type=inspection');
    expect(typed.body.summary.records).toBe(2);
    const csv = readCsv(
      (await download(t.url, `/api/reports/maintenance?tag=${tag}&export=csv`, t.adminToken)).body,
    );
    // A cell starting with "=" would run as a formula in a spreadsheet.
    expect(csv[0].Description).toBe("'=cmd|calc (typed by a technician)");
  });

  it('anomalies: drift and anomaly alerts with the detector figures, not rule alarms', async () => {
    const res = await t.api('GET', `/api/reports/anomalies?tag=${tag}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.summary).toMatchObject({ alerts: 2, drift: 1, anomaly: 1, critical: 1, still_open: 2 });
    const drift = res.body.rows.find((r: any) => r.alert_type === 'drift');
    expect(drift).toMatchObject({ shift_pct_span: 1.25, drift_rate_pct_per_day: 0.31, status: 'raised' });
    const anomaly = res.body.rows.find((r: any) => r.alert_type === 'anomaly');
    expect(anomaly).toMatchObject({ anomaly_score: 0.81, top_features: 'std +4.2σ' });
    const all = await t.api('GET', `/api/reports/anomalies?tag=${tag}&alert_type=all`);
    expect(all.body.summary.alerts).toBe(3);
    const text = squash(
      pdfPages(
        (await download(t.url, `/api/reports/anomalies?tag=${tag}&export=pdf`, t.adminToken)).body,
      ).join('\n'),
    );
    expect(text).toContain('Anomaly and Drift Detection History');
    expect(text).toMatch(/drift warning .* 1\.25 0\.310/);
  });

  it('health status: score, band and badges per instrument', async () => {
    const res = await t.api('GET', `/api/reports/health-status?process_unit_id=${unitId}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.rows).toHaveLength(1);
    const row = res.body.rows[0];
    // Open alerts: rule critical 20 + drift warning 10/2 + anomaly critical 20/2 = 35; no reading yet: 15.
    expect(row).toMatchObject({
      tag,
      health_score: 50,
      band: 'Fair',
      rule: 'critical',
      drift: 'drifting',
      ml: 'anomaly',
      open_alerts: 3,
    });
    expect(res.body.summary).toMatchObject({ instruments: 1, fair: 1, with_open_alerts: 1 });
    const poor = await t.api('GET', '/api/reports/health-status?band=poor');
    expect(poor.body.rows).toEqual([]);
    const text = squash(
      pdfPages(
        (
          await download(
            t.url,
            `/api/reports/health-status?process_unit_id=${unitId}&export=pdf`,
            t.adminToken,
          )
        ).body,
      )[0],
    );
    expect(text).toContain('Chambishi Test Plant');
    expect(text).toContain('Instrument Health Status');
  });
});
