// Property: whatever arrives on the readings topic (bad JSON, wrong types, NaN and Infinity, huge and
// deeply nested bodies, unknown tags, future timestamps, wrong units), mixed with valid readings,
// the server stays up, stores exactly the valid readings and counts every reject by its reason.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RejectReason } from '../../src/ingestion/payload.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { connectPublisher, ingestionHealth } from '../helpers/mqtt.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitUntil } from '../helpers/wait.ts';

const MAX_BYTES = 16_384;

interface Inst {
  id: number;
  tag: string;
  unit: string;
}

/** One candidate reading; `ts` is filled in at publish time so valid readings never collide. */
type Item =
  | { kind: 'valid'; inst: number; value: number }
  | { kind: 'bad_value'; inst: number; value: unknown }
  | { kind: 'bad_timestamp'; inst: number; timestamp: unknown }
  | { kind: 'bad_tag'; tag: unknown }
  | { kind: 'unknown_tag'; tag: string }
  | { kind: 'future'; inst: number; aheadMinutes: number }
  | { kind: 'unit'; inst: number; unit: string }
  | { kind: 'not_object'; value: unknown };

type Message =
  | { kind: 'single'; item: Item }
  | { kind: 'array'; items: Item[] }
  | { kind: 'raw'; text: string; reason: RejectReason }
  | { kind: 'huge'; inst: number; size: number }
  | { kind: 'nested'; depth: number; asObject: boolean };

const itemReason: Record<Exclude<Item['kind'], 'valid'>, RejectReason> = {
  bad_value: 'invalid_value',
  bad_timestamp: 'invalid_timestamp',
  bad_tag: 'invalid_payload',
  unknown_tag: 'unknown_tag',
  future: 'future_timestamp',
  unit: 'unit_mismatch',
  not_object: 'invalid_payload',
};

const inst = fc.integer({ min: 0, max: 2 });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 });
const item: fc.Arbitrary<Item> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('valid' as const), inst, value: finite }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('bad_value' as const),
      inst,
      value: fc.oneof(
        fc.string({ maxLength: 8 }),
        fc.boolean(),
        fc.constant(null),
        fc.constant('NaN'),
        fc.array(finite, { maxLength: 2 }),
        fc.constant({ v: 1 }),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('bad_timestamp' as const),
      inst,
      timestamp: fc.oneof(
        fc.integer(),
        fc.constant(null),
        fc.constant('yesterday'),
        fc.constant('2024-02-30T10:00:00Z'),
        fc.constant('2024-01-01T25:00:00Z'),
        fc.string({ maxLength: 12 }),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('bad_tag' as const),
      tag: fc.oneof(fc.integer(), fc.constant(''), fc.constant(null), fc.constant(['PT'])),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('unknown_tag' as const),
      tag: fc.stringMatching(/^U-[A-Z0-9]{1,8}$/),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('future' as const),
      inst,
      aheadMinutes: fc.integer({ min: 6, max: 600 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('unit' as const),
      inst,
      unit: fc.constantFrom('psi', 'K', '', 'BAR'),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('not_object' as const),
      value: fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null)),
    }),
  },
);

const notJson = fc
  .oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('{', '{"tag":', '{"value": NaN}', "{'tag': 'x'}", '[1,2', 'undefined', ''),
  )
  .filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  });

const message: fc.Arbitrary<Message> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('single' as const), item }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('array' as const),
      items: fc.array(item, { minLength: 0, maxLength: 12 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      text: notJson,
      reason: fc.constant('invalid_json' as RejectReason),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      text: fc.constantFrom('42', '"reading"', 'true', 'null'),
      reason: fc.constant('invalid_payload' as RejectReason),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      // 1e999 is valid JSON that parses to Infinity: not a finite number.
      text: fc.constant('{"tag":"__TAG0__","timestamp":"__TS__","value":1e999,"unit":"bar"}'),
      reason: fc.constant('invalid_value' as RejectReason),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('huge' as const),
      inst,
      size: fc.integer({ min: MAX_BYTES + 1, max: MAX_BYTES * 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('nested' as const),
      depth: fc.integer({ min: 50, max: 2000 }),
      asObject: fc.boolean(),
    }),
  },
);

describe('ingestion under random and malformed payloads', () => {
  let t: TestApp;
  let insts: Inst[];
  let seq = 0;
  beforeAll(async () => {
    t = await startTestApp({ env: { INGEST_MAX_PAYLOAD_BYTES: String(MAX_BYTES) } });
    insts = [];
    for (const fields of [
      { unit: 'bar' },
      { unit: 'degC', type: 'temperature', range_min: -50, range_max: 400 },
      { unit: 'm3/h', type: 'flow', range_min: 0, range_max: 500 },
    ]) {
      const i = await makeInstrument(t, fields);
      insts.push({ id: i.id, tag: i.tag, unit: fields.unit });
    }
  });
  afterAll(() => t?.stop());

  it('stays up, stores exactly the valid readings and counts rejects by reason', async () => {
    const base = Date.now() - 3 * 3600_000;
    const client = await connectPublisher(t);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 15 }), async (messages) => {
          const expectedRejects: Partial<Record<RejectReason, number>> = {};
          const reject = (r: RejectReason) => {
            expectedRejects[r] = (expectedRejects[r] ?? 0) + 1;
          };
          const expectedStored: { instrument_id: number; ts: number; value: number }[] = [];
          const nowIso = () => new Date(base + ++seq * 7).toISOString();

          const render = (it: Item): { body: unknown; tag: string } => {
            const i = 'inst' in it ? insts[it.inst] : insts[0];
            const ok = { tag: i.tag, timestamp: nowIso(), value: 1.5, unit: i.unit };
            switch (it.kind) {
              case 'valid': {
                const body = { ...ok, value: it.value };
                expectedStored.push({ instrument_id: i.id, ts: Date.parse(body.timestamp), value: it.value });
                return { body, tag: i.tag };
              }
              case 'bad_value':
                reject('invalid_value');
                return { body: { ...ok, value: it.value }, tag: i.tag };
              case 'bad_timestamp':
                reject('invalid_timestamp');
                return { body: { ...ok, timestamp: it.timestamp }, tag: i.tag };
              case 'bad_tag':
                reject('invalid_payload');
                return { body: { ...ok, tag: it.tag }, tag: 'junk' };
              case 'unknown_tag':
                reject('unknown_tag');
                return { body: { ...ok, tag: it.tag }, tag: it.tag };
              case 'future':
                reject('future_timestamp');
                return {
                  body: { ...ok, timestamp: new Date(Date.now() + it.aheadMinutes * 60_000).toISOString() },
                  tag: i.tag,
                };
              case 'unit':
                reject('unit_mismatch');
                return { body: { ...ok, unit: it.unit }, tag: i.tag };
              case 'not_object':
                reject(itemReason.not_object);
                return { body: it.value, tag: 'junk' };
            }
          };

          const out: { topic: string; payload: string }[] = [];
          for (const m of messages) {
            if (m.kind === 'single') {
              if (m.item.kind === 'not_object') {
                // A bare JSON value is not a reading object: the whole message is refused.
                reject('invalid_payload');
                out.push({ topic: 'junk', payload: JSON.stringify(m.item.value) });
                continue;
              }
              const { body, tag } = render(m.item);
              out.push({ topic: tag, payload: JSON.stringify(body) });
            } else if (m.kind === 'array') {
              out.push({ topic: 'gateway', payload: JSON.stringify(m.items.map((x) => render(x).body)) });
            } else if (m.kind === 'raw') {
              reject(m.reason);
              out.push({
                topic: insts[0].tag,
                payload: m.text.replace('__TAG0__', insts[0].tag).replace('__TS__', nowIso()),
              });
            } else if (m.kind === 'huge') {
              reject('payload_too_large');
              const i = insts[m.inst];
              out.push({
                topic: i.tag,
                payload: JSON.stringify({
                  tag: i.tag,
                  timestamp: nowIso(),
                  value: 1,
                  unit: i.unit,
                  note: 'x'.repeat(m.size),
                }),
              });
            } else {
              const payload = m.asObject
                ? `${'{"a":'.repeat(m.depth)}1${'}'.repeat(m.depth)}`
                : `${'['.repeat(m.depth)}1${']'.repeat(m.depth)}`;
              // Nested object: no tag, so the topic's last level ('junk') is taken and is unknown.
              // Nested array: its one item is an array, not a reading object.
              reject(m.asObject ? 'unknown_tag' : 'invalid_payload');
              out.push({ topic: 'junk', payload });
            }
          }

          const before = await ingestionHealth(t);
          const rowsBefore = await rowCount();
          await Promise.all(
            out.map((o) => client.publishAsync(`${t.mqtt.topicPrefix}/${o.topic}`, o.payload, { qos: 1 })),
          );
          await waitUntil(
            () => ingestionHealth(t),
            (h) =>
              h.messages_total >= before.messages_total + out.length &&
              h.stored_total + h.duplicates_total >=
                before.stored_total + before.duplicates_total + expectedStored.length &&
              h.queue_depth === 0,
            { what: 'the messages to be processed' },
          );
          const after = await ingestionHealth(t);
          expect(after.status).toBe('ok');
          const delta: Record<string, number> = {};
          for (const [reason, n] of Object.entries(after.rejected as Record<string, number>)) {
            const d = n - before.rejected[reason];
            if (d) delta[reason] = d;
          }
          expect(delta).toEqual(expectedRejects);
          expect(await rowCount()).toBe(rowsBefore + expectedStored.length);
          for (const r of expectedStored) {
            const row = await t.server.ctx.db
              .selectFrom('raw_readings')
              .select('value')
              .where('instrument_id', '=', r.instrument_id)
              .where('ts', '=', r.ts)
              .executeTakeFirst();
            expect(row?.value).toBe(r.value === 0 ? 0 : r.value);
          }
        }),
        { numRuns: 30 },
      );
    } finally {
      await client.endAsync();
    }
    const health = await t.api('GET', '/health');
    expect(health.status).toBe(200);
  }, 120_000);

  async function rowCount(): Promise<number> {
    const r = await t.server.ctx.db
      .selectFrom('raw_readings')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
});
