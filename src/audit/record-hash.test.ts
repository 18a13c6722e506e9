import { describe, expect, it } from 'vitest';
import { frozenV1 } from '../db/migrations/0009_record_content_hashes.ts';
import { calibrationHash, maintenanceHash, pointHash } from './record-hash.ts';

// Migration 0009 hashed the records that existed then with its own frozen copy of the canonical
// form; verify compares those hashes with what this module computes, so the two must agree.
describe('record content hashes', () => {
  const point = {
    id: 7,
    calibration_id: 3,
    seq: 1,
    reference_value: 2.5,
    as_found: 2.53,
    as_left: 2.51,
    as_found_error_pct: 0.3,
    as_left_error_pct: 0.1,
    as_found_passed: 1,
    as_left_passed: 1,
    created_at: '2026-01-05T10:00:00.000Z',
    updated_at: '2026-01-05T10:00:00.000Z',
    content_hash: null,
  };
  const cal = {
    id: 3,
    instrument_id: 1,
    performed_at: '2026-01-05T09:00:00.000Z',
    technician_id: 2,
    reference_standard_id: 4,
    notes: null,
    tolerance_pct: 0.5,
    as_found_passed: 1,
    as_left_passed: 1,
    passed: 1,
    max_as_found_error_pct: 0.3,
    max_as_left_error_pct: 0.1,
    corrects_id: null,
    work_order_id: null,
    next_due_at: '2027-01-05T09:00:00.000Z',
    created_at: '2026-01-05T10:00:00.000Z',
    updated_at: '2026-01-06T10:00:00.000Z',
    content_hash: 'whatever',
  };
  const maint = {
    id: 9,
    instrument_id: 1,
    performed_at: '2026-01-05T09:00:00.000Z',
    action_type: 'cleaning',
    technician_id: 2,
    description: 'Impulse lines blown down',
    parts_used: null,
    duration_minutes: 25,
    work_order_id: null,
    created_at: '2026-01-05T10:00:00.000Z',
    updated_at: '2026-01-05T10:00:00.000Z',
    deleted_at: null,
    content_hash: null,
  };

  it('computes what migration 0009 computed (version 1 of the canonical form)', () => {
    expect(pointHash(point)).toBe(frozenV1.point(point));
    expect(calibrationHash(cal, [pointHash(point)])).toBe(frozenV1.calibration(cal, [frozenV1.point(point)]));
    expect(maintenanceHash(maint)).toBe(frozenV1.maintenance(maint));
  });

  it('changes with any covered field or point, not with updated_at or the hash column itself', () => {
    const base = calibrationHash(cal, [pointHash(point)]);
    expect(calibrationHash({ ...cal, passed: 0 }, [pointHash(point)])).not.toBe(base);
    expect(calibrationHash(cal, [pointHash({ ...point, as_found: 2.6 })])).not.toBe(base);
    expect(calibrationHash(cal, [])).not.toBe(base);
    expect(calibrationHash({ ...cal, updated_at: 'later', content_hash: 'x' }, [pointHash(point)])).toBe(
      base,
    );
    expect(maintenanceHash({ ...maint, deleted_at: '2026-02-01T00:00:00.000Z' })).not.toBe(
      maintenanceHash(maint),
    );
  });
});
