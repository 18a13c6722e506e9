import { describe, expect, it } from 'vitest';
import { parseBrokerSetting, topicMatches } from './broker.ts';
import { checkReading, decodeMessage, parseIsoTimestamp, tagFromTopic } from './payload.ts';

describe('parseIsoTimestamp', () => {
  it('reads ISO 8601 date-times with Z, offsets and fractions', () => {
    expect(parseIsoTimestamp('2025-03-01T10:20:30Z')).toBe(Date.UTC(2025, 2, 1, 10, 20, 30));
    expect(parseIsoTimestamp('2025-03-01T10:20:30.123456Z')).toBe(Date.UTC(2025, 2, 1, 10, 20, 30, 123));
    expect(parseIsoTimestamp('2025-03-01T12:20:30+02:00')).toBe(Date.UTC(2025, 2, 1, 10, 20, 30));
    expect(parseIsoTimestamp('2025-03-01T05:20:30-0500')).toBe(Date.UTC(2025, 2, 1, 10, 20, 30));
    expect(parseIsoTimestamp('2025-03-01 10:20')).toBe(Date.UTC(2025, 2, 1, 10, 20));
    // No offset: taken as UTC, not the server's local time.
    expect(parseIsoTimestamp('2025-03-01T10:20:30')).toBe(Date.UTC(2025, 2, 1, 10, 20, 30));
    expect(parseIsoTimestamp('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
  });

  it('refuses impossible dates and non-ISO text (where Date.parse is lenient)', () => {
    for (const s of [
      '2025-02-29T00:00:00Z',
      '2024-02-30T00:00:00Z',
      '2025-13-01T00:00:00Z',
      '2025-01-01T24:00:00Z',
      '2025-01-01T10:60:00Z',
      '2025-01-01T10:00:60Z',
      '2025-01-01',
      '1 March 2025',
      '1740823230',
      '2025-01-01T10:00:00+25:00',
      '',
    ])
      expect(parseIsoTimestamp(s), s).toBeNaN();
  });
});

describe('decodeMessage and checkReading', () => {
  const inst = { id: 1, tag: 'PT-101', unit: 'bar' } as never;
  const ctx = {
    lookup: (t: string) => (t === 'PT-101' ? inst : undefined),
    maxTs: 2_000_000,
    minTs: 1_000_000,
  };
  const ts = new Date(1_500_000).toISOString();

  it('takes an object, an array, and refuses anything else or too much', () => {
    expect(decodeMessage('{"a":1}', 100, 10)).toEqual({ items: [{ a: 1 }], array: false });
    expect(decodeMessage('[{"a":1},2]', 100, 10)).toEqual({ items: [{ a: 1 }, 2], array: true });
    expect(decodeMessage('{"a":', 100, 10)).toMatchObject({ reject: 'invalid_json' });
    expect(decodeMessage('42', 100, 10)).toMatchObject({ reject: 'invalid_payload' });
    expect(decodeMessage('x'.repeat(101), 100, 10)).toMatchObject({ reject: 'payload_too_large' });
    expect(decodeMessage(JSON.stringify(new Array(11).fill({})), 1000, 10)).toMatchObject({
      reject: 'payload_too_large',
    });
  });

  it('checks tag, value, timestamp window and unit, in that order', () => {
    const ok = { tag: 'PT-101', timestamp: ts, value: 2.5, unit: 'bar' };
    expect(checkReading(ok, null, ctx)).toEqual({ instrument: inst, ts: 1_500_000, value: 2.5 });
    expect(checkReading({ ...ok, unit: ' bar ' }, null, ctx)).toMatchObject({ value: 2.5 });
    const { tag: _omit, ...noTag } = ok;
    expect(checkReading(noTag, 'PT-101', ctx)).toMatchObject({ value: 2.5 });
    expect(checkReading(noTag, null, ctx)).toMatchObject({ reason: 'invalid_payload' });
    expect(checkReading({ ...ok, tag: 'XX' }, null, ctx)).toMatchObject({ reason: 'unknown_tag', tag: 'XX' });
    expect(checkReading({ ...ok, value: '2.5' }, null, ctx)).toMatchObject({ reason: 'invalid_value' });
    expect(checkReading({ ...ok, value: Number.POSITIVE_INFINITY }, null, ctx)).toMatchObject({
      reason: 'invalid_value',
    });
    expect(checkReading({ ...ok, timestamp: 1_500_000 }, null, ctx)).toMatchObject({
      reason: 'invalid_timestamp',
    });
    expect(checkReading({ ...ok, timestamp: new Date(2_000_001).toISOString() }, null, ctx)).toMatchObject({
      reason: 'future_timestamp',
    });
    expect(checkReading({ ...ok, timestamp: new Date(999_999).toISOString() }, null, ctx)).toMatchObject({
      reason: 'stale_timestamp',
    });
    expect(checkReading({ ...ok, unit: 'psi' }, null, ctx)).toMatchObject({ reason: 'unit_mismatch' });
    expect(checkReading({ ...ok, unit: undefined }, null, ctx)).toMatchObject({ reason: 'unit_mismatch' });
    expect(checkReading([ok], null, ctx)).toMatchObject({ reason: 'invalid_payload' });
  });

  it('takes the tag from the last topic level', () => {
    expect(tagFromTopic('plant/readings/PT-101')).toBe('PT-101');
    expect(tagFromTopic('plant/readings/')).toBeNull();
  });
});

describe('broker settings and topic filters', () => {
  it('reads MQTT_BROKER as embedded, host, host:port or URL', () => {
    expect(parseBrokerSetting('embedded', 1883)).toEqual({ mode: 'embedded' });
    expect(parseBrokerSetting('mosquitto.plant', 1884)).toMatchObject({ url: 'mqtt://mosquitto.plant:1884' });
    expect(parseBrokerSetting('10.0.0.5:1999', 1883)).toMatchObject({ url: 'mqtt://10.0.0.5:1999' });
    expect(parseBrokerSetting('mqtts://u:secret@broker:8883', 1883)).toMatchObject({
      url: 'mqtts://u:secret@broker:8883',
      display: 'mqtts://broker:8883',
    });
    expect(() => parseBrokerSetting('ws://broker', 1883)).toThrow(/mqtt:\/\/ or mqtts:\/\//);
    expect(() => parseBrokerSetting('not a host!', 1883)).toThrow(/MQTT_BROKER/);
  });

  it('matches topics as a broker routes them', () => {
    expect(topicMatches('plant/readings/#', 'plant/readings/PT-1')).toBe(true);
    expect(topicMatches('plant/readings/#', 'plant/readings')).toBe(true);
    expect(topicMatches('plant/+/PT-1', 'plant/readings/PT-1')).toBe(true);
    expect(topicMatches('plant/readings/#', 'plant/other/PT-1')).toBe(false);
    expect(topicMatches('plant/readings/+', 'plant/readings/a/b')).toBe(false);
    expect(topicMatches('#', '$SYS/broker')).toBe(false);
  });
});
