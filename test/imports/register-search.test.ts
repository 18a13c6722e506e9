import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_INSTRUMENTS } from '../../src/seed/demo-instruments.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

// Issue 18 part 7: the register's q finds an instrument by what people call it: its tag, its words,
// its process unit, what it measures, where it is, what it sits on and the device in it, in any case.

describe('register search', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    // The demo plant's register, through the import (process units by name, created on the way).
    const fields = [
      'tag',
      'type',
      'measured_variable',
      'unit',
      'range_min',
      'range_max',
      'description',
      'location',
      'equipment',
    ] as const;
    const rows = DEMO_INSTRUMENTS.map((d) => [
      ...fields.map((f) => (d as Record<string, unknown>)[f] ?? ''),
      d.unit_name,
    ]);
    const csv = stringify([[...fields, 'process_unit'], ...rows]);
    const res = await fetch(`${t.url}/api/imports/instruments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'text/csv' },
      body: csv,
    });
    if (res.status !== 200) throw new Error(`import: ${res.status} ${await res.text()}`);
  });
  afterAll(() => t?.stop());

  const search = async (q: string) =>
    (
      (await t.api('GET', `/api/instruments?q=${encodeURIComponent(q)}&limit=100`)).body.items as {
        tag: string;
      }[]
    )
      .map((i) => i.tag)
      .sort();

  it('"boiler" finds every Boiler House instrument, in any case', async () => {
    const boiler = DEMO_INSTRUMENTS.filter((d) => d.unit_name === 'Boiler House')
      .map((d) => d.tag)
      .sort();
    expect(boiler).toHaveLength(8);
    expect(await search('boiler')).toEqual(expect.arrayContaining(boiler));
    expect(await search('BOILER HOUSE')).toEqual(boiler);
  });

  it('matches the measured variable, location, equipment and the installed device', async () => {
    const withVariable = DEMO_INSTRUMENTS.find((d) => d.measured_variable === 'Differential pressure');
    expect(await search('differential PRESSURE')).toContain(withVariable?.tag);
    expect(await search('pump house')).toContain('PT-101');
    expect(await search('p-101')).toContain('PT-101');
    const pt = (await t.api('GET', '/api/instruments?q=PT-101')).body.items.find(
      (i: { tag: string }) => i.tag === 'PT-101',
    );
    const dev = await t.api('POST', '/api/devices', {
      body: { manufacturer: 'Endress+Hauser', model: 'Cerabar PMC21', serial_number: 'ZX81-4471' },
    });
    expect(dev.status).toBe(201);
    const inst = await t.api('POST', `/api/instruments/${pt.id}/installations`, {
      body: { device_id: dev.body.id },
    });
    expect(inst.status).toBe(201);
    expect(await search('endress')).toEqual(['PT-101']);
    expect(await search('cerabar')).toEqual(['PT-101']);
    expect(await search('zx81')).toEqual(['PT-101']);
  });
});
