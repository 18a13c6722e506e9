import type { InstrumentInput } from '../instruments/instrument-service.ts';

// A small water-treatment and utilities plant: realistic ranges, units, limits and intervals.

export const DEMO_PROCESS_UNITS = [
  {
    name: 'Raw Water Intake',
    plant_area: 'Area 100',
    description: 'Intake pumps, screens and raw water metering',
  },
  {
    name: 'Boiler House',
    plant_area: 'Area 200',
    description: 'Steam raising, feedwater and condensate return',
  },
  { name: 'Distribution', plant_area: 'Area 300', description: 'Treated water pumping and flow metering' },
  { name: 'Storage & Tank Farm', plant_area: 'Area 400', description: 'Clear water tanks, chemical storage' },
];

type Demo = Omit<InstrumentInput, 'process_unit_id'> & { unit_name: string };

/** Limits at ±(15, 25) % of span around nominal, the usual first setting before tuning. */
function withLimits(
  i: Omit<Demo, 'alarm_low_critical' | 'alarm_low_warning' | 'alarm_high_warning' | 'alarm_high_critical'>,
): Demo {
  const span = i.range_max - i.range_min;
  const nominal = i.nominal_value ?? (i.range_min + i.range_max) / 2;
  const clamp = (v: number) => Math.min(i.range_max, Math.max(i.range_min, Number(v.toPrecision(5))));
  return {
    ...i,
    alarm_low_critical: clamp(nominal - 0.3 * span),
    alarm_low_warning: clamp(nominal - 0.2 * span),
    alarm_high_warning: clamp(nominal + 0.2 * span),
    alarm_high_critical: clamp(nominal + 0.3 * span),
    alarm_deadband: Number((span * 0.01).toPrecision(3)),
    max_rate_per_second: Number((span * 0.2).toPrecision(3)),
  };
}

const P = (tag: string, unit_name: string, rmax: number, nominal: number, extra: Partial<Demo> = {}): Demo =>
  withLimits({
    tag,
    unit_name,
    type: 'pressure',
    measured_variable: 'Gauge pressure',
    unit: 'bar',
    range_min: 0,
    range_max: rmax,
    nominal_value: nominal,
    accuracy_class: 0.25,
    calibration_interval_days: 365,
    criticality: 'high',
    publish_interval_seconds: 2,
    ...extra,
  });
const T = (
  tag: string,
  unit_name: string,
  rmin: number,
  rmax: number,
  nominal: number,
  extra: Partial<Demo> = {},
): Demo =>
  withLimits({
    tag,
    unit_name,
    type: 'temperature',
    measured_variable: 'Process temperature',
    unit: '°C',
    range_min: rmin,
    range_max: rmax,
    nominal_value: nominal,
    accuracy_class: 0.5,
    calibration_interval_days: 180,
    criticality: 'medium',
    publish_interval_seconds: 5,
    ...extra,
  });
const F = (tag: string, unit_name: string, rmax: number, nominal: number, extra: Partial<Demo> = {}): Demo =>
  withLimits({
    tag,
    unit_name,
    type: 'flow',
    measured_variable: 'Volumetric flow',
    unit: 'm³/h',
    range_min: 0,
    range_max: rmax,
    nominal_value: nominal,
    accuracy_class: 1.0,
    calibration_interval_days: 365,
    criticality: 'high',
    publish_interval_seconds: 2,
    ...extra,
  });
const L = (tag: string, unit_name: string, rmax: number, nominal: number, extra: Partial<Demo> = {}): Demo =>
  withLimits({
    tag,
    unit_name,
    type: 'level',
    measured_variable: 'Tank level',
    unit: '%',
    range_min: 0,
    range_max: rmax,
    nominal_value: nominal,
    accuracy_class: 0.5,
    calibration_interval_days: 365,
    criticality: 'medium',
    publish_interval_seconds: 5,
    ...extra,
  });

export const DEMO_INSTRUMENTS: Demo[] = [
  P('PT-101', 'Raw Water Intake', 10, 5, {
    description: 'Intake pump P-101 discharge pressure',
    location: 'Pump house, skid A',
    equipment: 'P-101',
    criticality: 'critical',
  }),
  P('PT-102', 'Raw Water Intake', 6, 2.5, {
    description: 'Strainer differential pressure',
    location: 'Pump house, strainer S-102',
    equipment: 'S-102',
    measured_variable: 'Differential pressure',
    criticality: 'medium',
  }),
  P('PT-201', 'Boiler House', 25, 16, {
    description: 'Steam drum pressure',
    location: 'Boiler B-201, drum level gallery',
    equipment: 'B-201',
    criticality: 'critical',
    calibration_interval_days: 180,
  }),
  P('PT-202', 'Boiler House', 30, 18, {
    description: 'Feedwater pump discharge pressure',
    location: 'Feedwater deck',
    equipment: 'P-202A',
  }),
  P('PT-301', 'Distribution', 16, 7, {
    description: 'Distribution header pressure',
    location: 'Distribution pump station',
    equipment: 'H-301',
  }),
  T('TT-201', 'Boiler House', 0, 250, 180, {
    description: 'Feedwater temperature after economiser',
    location: 'Economiser outlet',
    equipment: 'E-201',
    criticality: 'high',
  }),
  T('TT-202', 'Boiler House', 0, 400, 210, {
    description: 'Superheated steam temperature',
    location: 'Main steam line',
    equipment: 'B-201',
    criticality: 'critical',
    accuracy_class: 0.75,
  }),
  T('TT-203', 'Boiler House', 0, 120, 85, {
    description: 'Condensate return temperature',
    location: 'Condensate tank T-203',
    equipment: 'T-203',
  }),
  T('TT-101', 'Raw Water Intake', -10, 50, 22, {
    description: 'Raw water temperature',
    location: 'Intake channel',
    equipment: 'C-101',
    criticality: 'low',
    calibration_interval_days: 365,
  }),
  T('TT-401', 'Storage & Tank Farm', -10, 60, 25, {
    description: 'Clear water tank temperature',
    location: 'Tank TK-401',
    equipment: 'TK-401',
    criticality: 'low',
    calibration_interval_days: 365,
  }),
  F('FT-301', 'Distribution', 500, 320, {
    description: 'Treated water flow to town main',
    location: 'Distribution header',
    equipment: 'H-301',
    criticality: 'critical',
  }),
  F('FT-302', 'Distribution', 200, 110, {
    description: 'Flow to industrial consumers',
    location: 'Branch line B',
    equipment: 'V-302',
  }),
  F('FT-101', 'Raw Water Intake', 800, 450, {
    description: 'Raw water intake flow',
    location: 'Intake main',
    equipment: 'P-101',
    accuracy_class: 1.5,
  }),
  F('FT-201', 'Boiler House', 60, 35, {
    description: 'Boiler feedwater flow',
    location: 'Feedwater line',
    equipment: 'B-201',
    criticality: 'critical',
    accuracy_class: 0.5,
  }),
  F('FT-202', 'Boiler House', 40, 22, {
    description: 'Steam flow to process',
    location: 'Main steam header',
    equipment: 'H-202',
    accuracy_class: 1.0,
    criticality: 'medium',
  }),
  L('LT-401', 'Storage & Tank Farm', 100, 65, {
    description: 'Clear water tank level',
    location: 'Tank TK-401',
    equipment: 'TK-401',
    criticality: 'high',
  }),
  L('LT-402', 'Storage & Tank Farm', 100, 55, {
    description: 'Sodium hypochlorite tank level',
    location: 'Chemical store',
    equipment: 'TK-402',
  }),
  L('LT-403', 'Storage & Tank Farm', 100, 70, {
    description: 'Backwash water tank level',
    location: 'Tank TK-403',
    equipment: 'TK-403',
    criticality: 'low',
  }),
  L('LT-201', 'Boiler House', 100, 50, {
    description: 'Steam drum level',
    location: 'Boiler B-201 drum',
    equipment: 'B-201',
    criticality: 'critical',
    calibration_interval_days: 180,
  }),
  L('LT-101', 'Raw Water Intake', 100, 60, {
    description: 'Intake sump level',
    location: 'Intake sump',
    equipment: 'C-101',
    criticality: 'medium',
  }),
  L('LT-301', 'Distribution', 100, 75, {
    description: 'Elevated reservoir level',
    location: 'Hill reservoir R-301',
    equipment: 'R-301',
    criticality: 'high',
  }),
  P('PT-401', 'Storage & Tank Farm', 4, 1.2, {
    description: 'Dosing pump discharge pressure',
    location: 'Chemical store',
    equipment: 'P-401',
    criticality: 'low',
    accuracy_class: 0.5,
  }),
];

export const DEMO_REFERENCE_STANDARDS = [
  {
    identifier: 'RS-001',
    description: 'Fluke 754 documenting process calibrator',
    certificate_number: 'ZCAL-2026-0412',
    /** Expanded uncertainty, % of the applied value (issue 13: TUR on every point). */
    uncertainty: 0.02,
    accuracy: '±0.01% of reading + 2 µA',
    calibrated_on_days_ago: 120,
    valid_days: 365,
  },
  {
    identifier: 'RS-002',
    description: 'Druck DPI 620 Genii with PM620 25 bar module',
    certificate_number: 'ZCAL-2026-0588',
    /** Expanded uncertainty, % of the applied value (issue 13: TUR on every point). */
    uncertainty: 0.025,
    accuracy: '±0.025% FS',
    calibrated_on_days_ago: 60,
    valid_days: 365,
  },
  {
    identifier: 'RS-003',
    description: 'Fluke 9142 field metrology well',
    certificate_number: 'ZCAL-2025-0911',
    /** Expanded uncertainty, % of the applied value (issue 13: TUR on every point). */
    uncertainty: 0.1,
    accuracy: '±0.2 °C',
    calibrated_on_days_ago: 200,
    valid_days: 365,
  },
  {
    identifier: 'RS-004',
    description: 'Old deadweight tester (certificate lapsed)',
    certificate_number: 'ZCAL-2024-0101',
    /** Expanded uncertainty, % of the applied value (issue 13: TUR on every point). */
    uncertainty: 0.05,
    accuracy: '±0.05% of reading',
    calibrated_on_days_ago: 500,
    valid_days: 365,
  },
  {
    // Certified before RS-004: it covers the oldest calibrations of the demo history.
    identifier: 'RS-005',
    description: 'Beamex MC5 multifunction calibrator (retired)',
    certificate_number: 'ZCAL-2023-0733',
    /** Expanded uncertainty, % of the applied value (issue 13: TUR on every point). */
    uncertainty: 0.03,
    accuracy: '±0.02% of reading',
    calibrated_on_days_ago: 880,
    valid_days: 400,
  },
];
