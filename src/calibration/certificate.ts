import type { Kysely } from 'kysely';
import PDFDocument from 'pdfkit';
import type { DB } from '../db/schema.ts';
import { parseJson } from '../shared/db-values.ts';
import { NotFoundError } from '../shared/errors.ts';
import { formatDate, formatDateTime } from '../shared/local-time.ts';
import { drawErrorPlot } from '../shared/pdf-charts.ts';
import {
  AMBER,
  COPPER,
  GREEN,
  GREY,
  INK,
  MARGIN,
  NAVY,
  PRODUCT_NAME,
  pdfBytes,
  pdfSafe,
  RED,
  RULE,
  ZEBRA,
} from '../shared/pdf-style.ts';
import { signaturesOf } from '../signatures/signature-service.ts';
import { findCalibration, type PublicCalibration } from './calibration-records.ts';
import { describeRule, MIN_TUR, type ToleranceRule } from './tolerances.ts';
import { inputUnit, type TransferFunction } from './transfer-functions.ts';

// The calibration certificate of one record (issue 13 item 8): what an auditor files. Header with
// the product and plant on every page, the instrument (and device, when there is one), the
// procedure and tolerance, the reference standard with the certificate in force and its
// uncertainty, every point (as-found / as-left, errors, limits, verdicts, TUR), hysteresis and
// repeatability, the result, signatures and the record's content hash. Standard fonts only.

type Doc = PDFKit.PDFDocument;

const TOP = MARGIN + 44;

/** Lines a later feature (devices, electronic signatures) adds to a certificate. */
export interface CertificateExtras {
  /** Label/value pairs printed under the instrument, e.g. the device installed. */
  device?: [string, string][];
  signatures?: { meaning: string; name: string; at: string; hash?: string }[];
}

/** The device the record belongs to and its electronic signatures (issue 13 items 1 and 7). */
export async function certificateExtras(
  db: Kysely<DB>,
  record: PublicCalibration,
): Promise<CertificateExtras> {
  const device: [string, string][] = record.device_serial_number
    ? [
        ['Device', [record.device_manufacturer, record.device_model].filter(Boolean).join(' ') || '-'],
        ['Serial number', record.device_serial_number],
      ]
    : [];
  const { items } = await signaturesOf(db, 'calibration_record', record.id);
  return {
    device,
    signatures: items.map((s) => ({
      meaning: s.meaning,
      name: s.signer_name,
      at: s.signed_at,
      hash: s.content_hash,
    })),
  };
}

export interface CertificateData {
  record: PublicCalibration;
  instrument: {
    tag: string;
    type: string;
    description: string | null;
    location: string | null;
    unit: string;
    range_min: number;
    range_max: number;
  };
  standard: {
    identifier: string;
    description: string;
    accuracy: string;
    certificate_number: string | null;
    calibrated_on: string | null;
    due_date: string | null;
    uncertainty: string | null;
  } | null;
  procedure: {
    name: string;
    revision: number | null;
    test_points: number[];
    direction: string;
    cycles: number;
    tolerance: ToleranceRule;
    transfer_function: TransferFunction | null;
  } | null;
  content_hash: string | null;
  extras: CertificateExtras;
}

export async function loadCertificateData(db: Kysely<DB>, id: number): Promise<CertificateData> {
  const record = await findCalibration(db, id);
  if (!record) throw new NotFoundError('calibration', id);
  const inst = await db
    .selectFrom('instruments')
    .select(['tag', 'type', 'description', 'location', 'unit', 'range_min', 'range_max'])
    .where('id', '=', record.instrument_id)
    .executeTakeFirstOrThrow();
  const row = await db
    .selectFrom('calibration_records')
    .select(['content_hash', 'procedure_id', 'reference_certificate_id'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  let standard: CertificateData['standard'] = null;
  if (record.reference_standard_id !== null) {
    const rs = await db
      .selectFrom('reference_standards')
      .select(['identifier', 'description', 'accuracy'])
      .where('id', '=', record.reference_standard_id)
      .executeTakeFirstOrThrow();
    const cert = row.reference_certificate_id
      ? await db
          .selectFrom('reference_standard_certificates')
          .selectAll()
          .where('id', '=', row.reference_certificate_id)
          .executeTakeFirst()
      : undefined;
    standard = {
      ...rs,
      certificate_number: cert?.certificate_number ?? record.reference_standard_certificate,
      calibrated_on: cert?.calibrated_on ?? null,
      due_date: cert?.due_date ?? null,
      uncertainty: record.reference_standard_uncertainty,
    };
  }
  let procedure: CertificateData['procedure'] = null;
  if (row.procedure_id !== null) {
    const p = await db
      .selectFrom('calibration_procedures')
      .selectAll()
      .where('id', '=', row.procedure_id)
      .executeTakeFirstOrThrow();
    procedure = {
      name: p.name,
      revision: record.procedure_revision,
      test_points: parseJson<number[]>(p.test_points) ?? [],
      direction: p.direction,
      cycles: p.cycles,
      tolerance: parseJson<ToleranceRule>(p.tolerance) as ToleranceRule,
      transfer_function: parseJson<TransferFunction>(p.transfer_function),
    };
  }
  return {
    record,
    instrument: inst,
    standard,
    procedure,
    content_hash: row.content_hash,
    extras: await certificateExtras(db, record),
  };
}

const num = (v: number | null | undefined, digits = 6) =>
  v === null || v === undefined ? '-' : String(Number(v.toPrecision(digits)));
const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '-' : `${v >= 0 ? '+' : ''}${v.toFixed(3)}`;
const OUTCOME: Record<string, string> = {
  passed: 'PASSED',
  failed_as_found: 'FAILED AS FOUND - adjusted and passed as left',
  failed_as_left: 'FAILED AS LEFT - out of tolerance',
};
const DIRECTION: Record<string, string> = { up: 'upscale', down: 'downscale', up_down: 'up and down' };

export const certificateNumber = (id: number) => `CAL-${String(id).padStart(6, '0')}`;

export async function renderCertificatePdf(
  data: CertificateData,
  opts: { plantName: string; timeZone: string; generatedBy: string; now: Date },
): Promise<Buffer> {
  const { record: r, instrument: inst } = data;
  const tz = opts.timeZone;
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: TOP, bottom: MARGIN + 26, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: {
      Title: `Calibration certificate ${certificateNumber(r.id)} - ${r.tag}`,
      Author: r.technician_name,
      Creator: PRODUCT_NAME,
      Producer: PRODUCT_NAME,
    },
  });
  const done = pdfBytes(doc);
  const W = doc.page.width - 2 * MARGIN;
  const L = MARGIN;
  const bottom = doc.page.height - MARGIN - 26;
  let y = TOP;
  const ensure = (h: number) => {
    if (y + h > bottom) {
      doc.addPage();
      y = TOP;
    }
  };

  // Title and result banner.
  doc
    .font('Helvetica-Bold')
    .fontSize(17)
    .fillColor(NAVY)
    .text('Calibration certificate', L, y, { lineBreak: false });
  const no = `No. ${certificateNumber(r.id)}`;
  doc.fontSize(11).fillColor(INK);
  doc.text(no, L + W - doc.widthOfString(no), y + 4, { lineBreak: false });
  y += 26;
  const bannerColor = r.outcome === 'passed' ? GREEN : r.outcome === 'failed_as_found' ? AMBER : RED;
  doc.rect(L, y, W, 22).fill(bannerColor);
  doc
    .font('Helvetica-Bold')
    .fontSize(11)
    .fillColor('#ffffff')
    .text(pdfSafe(`Result: ${OUTCOME[r.outcome] ?? r.outcome}`), L + 8, y + 6, { lineBreak: false });
  y += 30;
  if (r.superseded || r.corrects_id || r.reduced_check) {
    const notes: string[] = [];
    if (r.superseded)
      notes.push(`Superseded by correction record #${r.corrected_by_id}: this certificate is withdrawn.`);
    if (r.corrects_id)
      notes.push(
        `Corrects record #${r.corrects_id}${r.corrected_by_name ? ` (corrected by ${r.corrected_by_name})` : ''}.`,
      );
    if (r.reduced_check)
      notes.push(
        `Reduced check (${r.points.length} of the procedure's points)${r.resets_due_date ? '' : ': does not reset the calibration due date'}.`,
      );
    doc.font('Helvetica-Bold').fontSize(8.5).fillColor(RED);
    for (const n of notes) {
      doc.text(pdfSafe(n), L, y, { width: W });
      y += 12;
    }
    y += 4;
  }

  // Two columns of particulars: the instrument under test and the calibration.
  const block = (title: string, items: [string, string][], x: number, w: number, y0: number) => {
    doc.font('Helvetica-Bold').fontSize(10).fillColor(NAVY).text(title, x, y0, { lineBreak: false });
    let yy = y0 + 15;
    for (const [k, v] of items) {
      doc.font('Helvetica-Bold').fontSize(8).fillColor(GREY).text(pdfSafe(k), x, yy, { width: 86 });
      doc.font('Helvetica').fontSize(8.5).fillColor(INK);
      const h = doc.heightOfString(pdfSafe(v), { width: w - 92 });
      doc.text(pdfSafe(v), x + 90, yy, { width: w - 92 });
      yy += Math.max(12, h + 2);
    }
    return yy;
  };
  const half = (W - 16) / 2;
  const left: [string, string][] = [
    ['Tag (position)', inst.tag],
    ['Type', inst.type],
    ...(inst.description ? ([['Description', inst.description]] as [string, string][]) : []),
    ...(inst.location ? ([['Location', inst.location]] as [string, string][]) : []),
    ['Range', `${num(inst.range_min)} to ${num(inst.range_max)} ${inst.unit}`],
    ...(data.extras.device ?? []),
  ];
  const right: [string, string][] = [
    ['Performed', `${formatDateTime(r.performed_at, tz)} (${tz})`],
    ['Technician', r.technician_name],
    ['Work order', r.work_order_id ? `#${r.work_order_id}` : '-'],
    ['Next due', r.next_due_at ? formatDate(r.next_due_at, tz) : '-'],
    ['Recorded', formatDateTime(r.created_at, tz)],
  ];
  const yl = block('Instrument under test', left, L, half, y);
  const yr = block('Calibration', right, L + half + 16, half, y);
  y = Math.max(yl, yr) + 8;

  const proc = data.procedure;
  const tf = proc?.transfer_function ?? null;
  const procItems: [string, string][] = proc
    ? [
        ['Procedure', `${proc.name} (revision ${proc.revision ?? '-'})`],
        [
          'Test points',
          `${proc.test_points.join(', ')} % of span, ${DIRECTION[proc.direction] ?? proc.direction}${proc.cycles > 1 ? `, ${proc.cycles} cycles` : ''}`,
        ],
        ['Tolerance', describeRule(proc.tolerance, inst.unit)],
        [
          'Transfer',
          tf
            ? tf.kind === 'pt100'
              ? 'Pt100 (IEC 60751 Callendar-Van Dusen), input in ohm'
              : tf.kind === 'type_k'
                ? 'Type K thermocouple (NIST ITS-90), input in mV'
                : `${tf.kind === 'sqrt' ? 'Square root' : 'Linear'}, input ${tf.input_min} to ${tf.input_max} ${tf.input_unit}`
            : 'Linear, input = output',
        ],
      ]
    : [
        ['Procedure', 'None assigned: points as entered'],
        ['Tolerance', `fail ±${r.tolerance_pct} % of span (accuracy class)`],
      ];
  const std = data.standard;
  const stdItems: [string, string][] = std
    ? [
        ['Standard', `${std.identifier} - ${std.description}`],
        [
          'Certificate',
          `${std.certificate_number ?? '-'}${std.calibrated_on ? `, issued ${std.calibrated_on}` : ''}${std.due_date ? `, valid to ${std.due_date}` : ''}`,
        ],
        [
          'Uncertainty',
          std.uncertainty ? `${std.uncertainty} (expanded, k=2)` : 'not stated on the certificate',
        ],
        ['Accuracy', std.accuracy],
      ]
    : [['Standard', '-']];
  ensure(80);
  const yp = block('Procedure and tolerance', procItems, L, half, y);
  const ys = block('Reference standard (traceability)', stdItems, L + half + 16, half, y);
  y = Math.max(yp, ys) + 10;

  // Points table.
  const cols: {
    label: string;
    w: number;
    get: (p: PublicCalibration['points'][number]) => string;
    color?: (p: PublicCalibration['points'][number]) => string;
  }[] = [
    { label: '#', w: 0.3, get: (p) => String(p.seq + 1) },
    {
      label: 'Dir',
      w: 0.62,
      get: (p) => (p.direction === 'up' ? 'up' : p.direction === 'down' ? 'down' : '-'),
    },
    { label: 'Point % span', w: 0.75, get: (p) => num(p.nominal_pct, 4) },
    ...(tf
      ? [
          {
            label: `Input (${inputUnit(tf)})`,
            w: 1,
            get: (p: PublicCalibration['points'][number]) => num(p.input_value),
          },
        ]
      : []),
    { label: `Reference (${inst.unit})`, w: 1.1, get: (p) => num(p.reference_value) },
    { label: 'As found', w: 0.95, get: (p) => num(p.as_found) },
    {
      label: 'Error % span',
      w: 0.9,
      get: (p) => pct(p.as_found_error_pct),
      color: (p) => verdictColor(p.as_found_verdict, p.as_found_passed),
    },
    { label: 'As left', w: 0.95, get: (p) => num(p.as_left) },
    {
      label: 'Error % span',
      w: 0.9,
      get: (p) => pct(p.as_left_error_pct),
      color: (p) => verdictColor(p.as_left_verdict, p.as_left_passed),
    },
    {
      label: `Limit ± (${inst.unit})`,
      w: 0.85,
      get: (p) =>
        p.fail_limit === null || p.fail_limit === undefined
          ? num((r.tolerance_pct / 100) * (inst.range_max - inst.range_min), 4)
          : num(p.acceptance_limit ?? p.fail_limit, 4),
    },
    { label: `Adjust ± (${inst.unit})`, w: 0.85, get: (p) => num(p.adjust_limit, 4) },
    {
      label: 'Found / left',
      w: 1.25,
      get: (p) =>
        `${verdictWord(p.as_found_verdict, p.as_found_passed)}/${verdictWord(p.as_left_verdict, p.as_left_passed)}`,
    },
    { label: `U (${inst.unit})`, w: 0.8, get: (p) => num(p.std_uncertainty, 3) },
    {
      label: 'TUR',
      w: 0.6,
      get: (p) => (p.tur === null || p.tur === undefined ? '-' : `${p.tur}:1`),
      color: (p) => (p.tur !== null && p.tur !== undefined && p.tur < MIN_TUR ? RED : INK),
    },
  ];
  const totalW = cols.reduce((n, c) => n + c.w, 0);
  let x = L;
  const placed = cols.map((c) => {
    const w = (W * c.w) / totalW;
    const out = { ...c, x, w };
    x += w;
    return out;
  });
  const header = () => {
    doc.font('Helvetica-Bold').fontSize(7.5);
    const h = Math.max(...placed.map((c) => doc.heightOfString(pdfSafe(c.label), { width: c.w - 6 }))) + 6;
    doc.rect(L, y, W, h).fill(NAVY);
    doc.fillColor('#ffffff');
    for (const c of placed) doc.text(pdfSafe(c.label), c.x + 3, y + 3, { width: c.w - 6, align: 'right' });
    y += h;
  };
  ensure(60);
  doc
    .font('Helvetica-Bold')
    .fontSize(10)
    .fillColor(NAVY)
    .text(`Test points (${r.points.length})`, L, y, { lineBreak: false });
  y += 15;
  header();
  for (const [i, p] of r.points.entries()) {
    if (y + 14 > bottom) {
      doc.addPage();
      y = TOP;
      header();
    }
    if (i % 2 === 1) doc.rect(L, y, W, 14).fill(ZEBRA);
    doc.font('Helvetica').fontSize(8);
    for (const c of placed) {
      const text = pdfSafe(c.get(p));
      doc.fillColor(c.color ? c.color(p) : INK);
      doc.text(text, c.x + 3, y + 3.5, { width: c.w - 6, align: 'right', lineBreak: false });
    }
    y += 14;
  }
  doc
    .moveTo(L, y)
    .lineTo(L + W, y)
    .lineWidth(0.5)
    .strokeColor(RULE)
    .stroke();
  y += 10;

  // The same points as a picture: error per point against the tolerance band.
  if (r.points.length > 0) {
    ensure(150);
    doc
      .font('Helvetica-Bold')
      .fontSize(10)
      .fillColor(NAVY)
      .text('Error per test point against the tolerance band', L, y, { lineBreak: false });
    y += 15;
    drawErrorPlot(
      doc,
      {
        title: `${inst.tag}: error in % of span, as found and as left`,
        tolerance_pct: r.tolerance_pct,
        points: r.points.map((p) => ({
          label: String(Number(p.reference_value.toPrecision(4))),
          found: p.as_found_error_pct,
          left: p.as_left_error_pct,
        })),
      },
      { x: L, y, w: W, h: 130 },
    );
    y += 138;
  }

  // Figures.
  const figures: [string, string][] = [
    ['Max as-found error', `${pct(r.max_as_found_error_pct)} % of span`],
    ['Max as-left error', `${pct(r.max_as_left_error_pct)} % of span`],
    [
      'Hysteresis (found / left)',
      `${num(r.hysteresis_as_found_pct, 4)} / ${num(r.hysteresis_as_left_pct, 4)} % of span`,
    ],
    [
      'Repeatability (found / left)',
      `${num(r.repeatability_as_found_pct, 4)} / ${num(r.repeatability_as_left_pct, 4)} % of span`,
    ],
    [
      'Lowest TUR',
      r.min_tur === null || r.min_tur === undefined
        ? '- (no uncertainty stated)'
        : `${r.min_tur}:1${r.min_tur < MIN_TUR ? '  - BELOW 4:1, the standard uses much of the tolerance' : ''}`,
    ],
  ];
  ensure(16 + figures.length * 12);
  doc.font('Helvetica-Bold').fontSize(10).fillColor(NAVY).text('Results', L, y, { lineBreak: false });
  y += 15;
  for (const [k, v] of figures) {
    doc.font('Helvetica-Bold').fontSize(8).fillColor(GREY).text(pdfSafe(k), L, y, { width: 150 });
    doc
      .font('Helvetica')
      .fontSize(8.5)
      .fillColor(
        k === 'Lowest TUR' && r.min_tur !== null && r.min_tur !== undefined && r.min_tur < MIN_TUR
          ? RED
          : INK,
      )
      .text(pdfSafe(v), L + 154, y, { width: W - 154 });
    y += 12;
  }
  if (r.notes) {
    y += 4;
    doc.font('Helvetica').fontSize(8.5);
    const h = doc.heightOfString(pdfSafe(r.notes), { width: W - 154 });
    ensure(h + 6);
    doc.font('Helvetica-Bold').fontSize(8).fillColor(GREY).text('Notes', L, y, { width: 150 });
    doc
      .font('Helvetica')
      .fontSize(8.5)
      .fillColor(INK)
      .text(pdfSafe(r.notes), L + 154, y, { width: W - 154 });
    y += h + 4;
  }
  y += 8;

  // Signatures: electronic ones when recorded, else lines to sign on paper.
  const sigs = data.extras.signatures ?? [];
  ensure(80);
  doc.font('Helvetica-Bold').fontSize(10).fillColor(NAVY).text('Signatures', L, y, { lineBreak: false });
  y += 15;
  if (sigs.length > 0) {
    for (const s of sigs) {
      doc
        .font('Helvetica')
        .fontSize(8.5)
        .fillColor(INK)
        .text(
          pdfSafe(
            `${s.meaning}: ${s.name}, ${formatDateTime(s.at, tz)}${s.hash ? `  (signed content ${s.hash.slice(0, 16)}...)` : ''}`,
          ),
          L,
          y,
          {
            width: W,
          },
        );
      y += 13;
    }
  } else {
    const colW = W / 3;
    const cells: [string, string | null][] = [
      ['Performed by', r.technician_name],
      ['Reviewed by', null],
      ['Approved by', null],
    ];
    doc.save().rect(L, y, W, 54).lineWidth(0.6).strokeColor(RULE).stroke().restore();
    for (const [i, [label, value]] of cells.entries()) {
      const cx = L + i * colW + 10;
      doc
        .font('Helvetica-Bold')
        .fontSize(7.5)
        .fillColor(GREY)
        .text(label, cx, y + 7, { lineBreak: false });
      if (value)
        doc
          .font('Helvetica')
          .fontSize(9)
          .fillColor(INK)
          .text(pdfSafe(value), cx, y + 20, { lineBreak: false });
      doc
        .moveTo(cx, y + 42)
        .lineTo(cx + colW - 24, y + 42)
        .lineWidth(0.5)
        .strokeColor('#8a96a3')
        .stroke();
    }
    y += 60;
  }
  if (data.content_hash) {
    ensure(14);
    doc
      .font('Helvetica')
      .fontSize(7)
      .fillColor(GREY)
      .text(`Record content hash (sha256): ${data.content_hash}`, L, y + 4, { width: W });
  }

  furniture(doc, r, opts);
  doc.end();
  return done;
}

function verdictWord(v: string | null | undefined, passed: boolean) {
  if (v === 'adjust') return 'ADJ';
  if (v === 'fail' || !passed) return 'FAIL';
  return 'PASS';
}
function verdictColor(v: string | null | undefined, passed: boolean) {
  if (v === 'adjust') return AMBER;
  return passed ? INK : RED;
}

function furniture(
  doc: Doc,
  r: PublicCalibration,
  opts: { plantName: string; timeZone: string; generatedBy: string; now: Date },
) {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const saved = doc.page.margins;
    doc.page.margins = { top: 0, bottom: 0, left: 0, right: 0 };
    const W = doc.page.width - 2 * MARGIN;
    doc
      .font('Helvetica-Bold')
      .fontSize(11)
      .fillColor(NAVY)
      .text(PRODUCT_NAME, MARGIN, MARGIN, { lineBreak: false });
    doc
      .font('Helvetica')
      .fontSize(8.5)
      .fillColor(GREY)
      .text(pdfSafe(opts.plantName), MARGIN, MARGIN + 15, { lineBreak: false });
    const right = pdfSafe(`Calibration certificate ${certificateNumber(r.id)} - ${r.tag}`);
    doc.font('Helvetica-Bold').fontSize(9.5).fillColor(INK);
    doc.text(right, MARGIN + W - doc.widthOfString(right), MARGIN + 1, { lineBreak: false });
    doc.rect(MARGIN, MARGIN + 28, W, 1.6).fill(COPPER);
    const fy = doc.page.height - MARGIN - 10;
    doc
      .moveTo(MARGIN, fy - 5)
      .lineTo(MARGIN + W, fy - 5)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    const left = pdfSafe(
      `Printed ${formatDateTime(opts.now.toISOString(), opts.timeZone)} (${opts.timeZone}) by ${opts.generatedBy} from record #${r.id}`,
    );
    doc.font('Helvetica').fontSize(7).fillColor(GREY).text(left, MARGIN, fy, { lineBreak: false });
    const page = `Page ${i - range.start + 1} of ${range.count}`;
    doc.font('Helvetica-Bold').fontSize(7.5).fillColor(INK);
    doc.text(page, MARGIN + W - doc.widthOfString(page), fy, { lineBreak: false });
    doc.page.margins = saved;
  }
}
