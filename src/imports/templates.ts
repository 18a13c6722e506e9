import { stringify } from 'csv-stringify/sync';

// The files an admin fills in: the header and one example row.

const INSTRUMENT_TEMPLATE: [string, string | number][] = [
  ['tag', 'PT-101'],
  ['type', 'pressure'],
  ['measured_variable', 'steam pressure'],
  ['unit', 'bar'],
  ['range_min', 0],
  ['range_max', 16],
  ['nominal_value', 10],
  ['process_unit', 'Boiler House'],
  ['location', 'Boiler 1 steam drum'],
  ['equipment', 'B-101'],
  ['description', 'Boiler 1 drum pressure'],
  ['accuracy_class', 0.5],
  ['criticality', 'high'],
  ['calibration_interval_days', 180],
  ['alarm_low_critical', 2],
  ['alarm_low_warning', 4],
  ['alarm_high_warning', 13],
  ['alarm_high_critical', 14],
  ['last_calibrated_on', '2026-01-15'],
];

const CALIBRATION_TEMPLATE: [string, string | number][][] = [0, 4, 8, 12, 16].map((ref, i) => [
  ['tag', 'PT-101'],
  ['performed_at', '2025-07-14 09:30'],
  ['performed_by', 'J. Banda'],
  ['reference_standard', 'DPC-01'],
  ['reference_value', ref],
  ['as_found', [0.02, 4.03, 8.05, 12.04, 16.02][i]],
  ['as_left', [0.0, 4.01, 8.01, 12.0, 16.0][i]],
  ['notes', i === 0 ? 'annual calibration' : ''],
]);

export function instrumentTemplateCsv(): string {
  return stringify([INSTRUMENT_TEMPLATE.map(([h]) => h), INSTRUMENT_TEMPLATE.map(([, v]) => v)]);
}

export async function instrumentTemplateXlsx(): Promise<Buffer> {
  // Loaded with the first XLSX (half a second of start-up otherwise).
  const { default: Excel } = await import('exceljs');
  const wb = new Excel.Workbook();
  const ws = wb.addWorksheet('Instruments');
  ws.addRow(INSTRUMENT_TEMPLATE.map(([h]) => h)).font = { bold: true };
  ws.addRow(
    INSTRUMENT_TEMPLATE.map(([h, v]) => (h === 'last_calibrated_on' ? new Date(`${v}T00:00:00Z`) : v)),
  );
  ws.getColumn(INSTRUMENT_TEMPLATE.length).numFmt = 'yyyy-mm-dd';
  ws.columns.forEach((c) => {
    c.width = 18;
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function calibrationTemplateCsv(): string {
  return stringify([
    CALIBRATION_TEMPLATE[0].map(([h]) => h),
    ...CALIBRATION_TEMPLATE.map((r) => r.map(([, v]) => v)),
  ]);
}
