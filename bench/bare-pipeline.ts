// The yardstick for bench/ingest.ts: the least an ingestion pipeline can do. An mqtt.js QoS 1
// subscriber -> JSON.parse -> the same rows into the same raw_readings table (SQLite, WITHOUT ROWID,
// same indexes) in one transaction every 100 ms or 5,000 rows, with better-sqlite3 prepared
// statements, each PUBACK sent after the commit that holds its message, the way the product's
// subscriber does it (src/ingestion/subscriber.ts). No validation, no detectors. Driven over IPC by
// bench/ingest.ts:
//   { cmd: 'count' } -> { stored }   { cmd: 'stats' } -> { stored, lags: { p50, p99, n } }
//   { cmd: 'reset-lags' }   { cmd: 'stop' }

import Database from 'better-sqlite3';
import mqtt from 'mqtt';

const [url, file, topic] = process.argv.slice(2);
if (!url || !file || !topic)
  throw new Error('usage: bare-pipeline.ts <mqtt url> <sqlite file> <topic filter>');

const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const ids = new Map<string, number>();
for (const r of db.prepare('select id, tag from instruments where deleted_at is null').all() as {
  id: number;
  tag: string;
}[])
  ids.set(r.tag, r.id);

const CHUNK = 500;
const insertChunk = db.prepare(
  `insert into raw_readings (instrument_id, ts, value, quality) values ${new Array(CHUNK).fill('(?,?,?,?)').join(',')} on conflict do nothing`,
);
const insertOne = db.prepare(
  'insert into raw_readings (instrument_id, ts, value, quality) values (?,?,?,?) on conflict do nothing',
);

let batch: (number | string)[] = [];
let batchTs: number[] = [];
/** Message ids whose PUBACK waits for the transaction holding them. */
let batchAcks: number[] = [];
let stored = 0;
let lags = new Float64Array(1 << 20);
let nLags = 0;

const writeBatch = db.transaction((params: (number | string)[]) => {
  let i = 0;
  for (; i + CHUNK * 4 <= params.length; i += CHUNK * 4) insertChunk.run(params.slice(i, i + CHUNK * 4));
  for (; i < params.length; i += 4) insertOne.run(params.slice(i, i + 4));
});

function flush() {
  if (batch.length === 0) return;
  const params = batch;
  const tss = batchTs;
  const acks = batchAcks;
  batch = [];
  batchTs = [];
  batchAcks = [];
  writeBatch(params);
  for (const messageId of acks) puback(messageId);
  const now = Date.now();
  stored += tss.length;
  for (const ts of tss) {
    if (nLags === lags.length) {
      const bigger = new Float64Array(lags.length * 2);
      bigger.set(lags);
      lags = bigger;
    }
    lags[nLags++] = now - ts;
  }
}
setInterval(flush, 100);

const client = await mqtt.connectAsync(url, {
  clientId: `bench-bare-${process.pid}`,
  protocolVersion: 5,
  properties: { receiveMaximum: 65_535 },
  reconnectPeriod: 0,
});
(client.stream as unknown as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
type PacketWriter = {
  _sendPacket(packet: object, cb?: () => void, cbStorePut?: () => void, noStore?: boolean): void;
};
const puback = (messageId: number) =>
  (client as unknown as PacketWriter)._sendPacket(
    { cmd: 'puback', messageId, reasonCode: 0 },
    undefined,
    undefined,
    true,
  );
// The marker error makes mqtt.js go on to the next packet without sending its own PUBACK.
const DEFERRED = new Error('PUBACK after commit');
client.handleMessage = (packet, callback) => {
  try {
    const r = JSON.parse(packet.payload.toString()) as { tag: string; timestamp: string; value: number };
    const id = ids.get(r.tag);
    if (id !== undefined) {
      const ts = Date.parse(r.timestamp);
      batch.push(id, ts, r.value, 'good');
      batchTs.push(ts);
    }
  } catch {
    // a bad payload is simply skipped here (and acknowledged with the batch)
  }
  if (packet.qos !== 1 || packet.messageId === undefined) return callback();
  batchAcks.push(packet.messageId);
  callback(DEFERRED);
  if (batchAcks.length >= 5000) flush();
};
await client.subscribeAsync(topic, { qos: 1 });

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

process.on('message', async (m: { cmd: string }) => {
  if (m.cmd === 'count') {
    process.send?.({ stored });
  } else if (m.cmd === 'stats') {
    const sorted = lags.slice(0, nLags).sort();
    process.send?.({
      stored,
      lags: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), n: nLags },
    });
  } else if (m.cmd === 'reset-lags') {
    nLags = 0;
    process.send?.({ ok: true });
  } else if (m.cmd === 'stop') {
    flush();
    await client.endAsync();
    db.close();
    process.exit(0);
  }
});
process.send?.({ ready: true });
