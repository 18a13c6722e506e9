// Load generator for bench/ingest.ts, run as its own process so publishing never shares an event
// loop with what is measured. Publishes one QoS 1 message per reading, round-robin over the tags
// B-0000, B-0001, ..., stamped with the publish time (so lag = commit time - timestamp; a tag's
// timestamps are kept distinct, a millisecond apart at least), at a target rate or flat out, with at
// most --inflight unacknowledged messages and, when the parent reports progress over IPC
// ({ stored }), at most --ahead readings published but not yet stored (so a broker that
// acknowledges at once cannot pile up an unbounded backlog). Prints one JSON line when done, with
// the publish-to-PUBACK times (ack_ms: p50, p99, max) of the messages sent after --warmup seconds.
//
//   node --import tsx bench/ingest-publisher.ts --url mqtt://127.0.0.1:1883 --prefix plant/readings \
//     --tags 1000 --rate 10000 --seconds 15 --inflight 20000 --connections 2

import mqtt, { type MqttClient } from 'mqtt';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i !== -1 && process.argv[i + 1] !== undefined) return process.argv[i + 1];
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
}

const url = arg('url');
const prefix = arg('prefix', 'plant/readings');
const count = Number(arg('tags', '1000'));
const tags: string[] = [];
for (let i = 0; i < count; i++) tags.push(`B-${String(i).padStart(4, '0')}`);
const rate = Number(arg('rate', '0')); // 0: as fast as the in-flight limit allows
const seconds = Number(arg('seconds', '10'));
const maxInflight = Number(arg('inflight', '20000'));
const connections = Number(arg('connections', '1'));
const username = arg('username', '');
const password = arg('password', '');
const maxAhead = Number(arg('ahead', '0')); // 0: no limit
const warmupMs = Number(arg('warmup', '0')) * 1000;
let storedByConsumer = 0;
process.on('message', (m: { stored?: number }) => {
  if (typeof m.stored === 'number') storedByConsumer = m.stored;
});
const lastTs = new Float64Array(tags.length);

const clients: MqttClient[] = [];
for (let c = 0; c < connections; c++) {
  const client = await mqtt.connectAsync(url, {
    clientId: `bench-pub-${process.pid}-${c}`,
    reconnectPeriod: 0,
    ...(username ? { username, password } : {}),
  });
  // Readings are small; do not let Nagle hold them back.
  (client.stream as unknown as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
  clients.push(client);
}

let published = 0;
let acked = 0;
let inflight = 0;
let next = 0;
/** Publish-to-PUBACK times (ms) of the messages sent after the warm-up. */
const ackMs: number[] = [];
const started = performance.now();
const deadline = started + seconds * 1000;
const TICK_MS = 2;

await new Promise<void>((resolve) => {
  const tick = () => {
    const now = performance.now();
    if (now >= deadline) return resolve();
    const due = rate > 0 ? Math.floor(((now - started) / 1000) * rate) : Number.POSITIVE_INFINITY;
    const ahead = maxAhead > 0 ? maxAhead - (published - storedByConsumer) : Number.POSITIVE_INFINITY;
    let budget = Math.min(due - published, maxInflight - inflight, ahead, 5000);
    const wall = Date.now();
    while (budget-- > 0) {
      const k = next % tags.length;
      const tag = tags[k];
      const client = clients[next % clients.length];
      next++;
      const t = Math.max(wall, lastTs[k] + 1);
      lastTs[k] = t;
      const ts = new Date(t).toISOString();
      const value = Math.round((50 + 10 * Math.sin(next / 1000)) * 1000) / 1000;
      inflight++;
      published++;
      const sentAt = performance.now();
      const timed = sentAt - started >= warmupMs;
      client.publish(
        `${prefix}/${tag}`,
        `{"tag":"${tag}","timestamp":"${ts}","value":${value},"unit":"bar"}`,
        { qos: 1 },
        () => {
          inflight--;
          acked++;
          if (timed) ackMs.push(performance.now() - sentAt);
        },
      );
    }
    setTimeout(tick, TICK_MS);
  };
  tick();
});
const elapsed = (performance.now() - started) / 1000;
// Wait (a while) for the last acknowledgements, then report.
const waitUntil = performance.now() + 30_000;
while (inflight > 0 && performance.now() < waitUntil) await new Promise((r) => setTimeout(r, 20));
for (const c of clients) await c.endAsync();
ackMs.sort((a, b) => a - b);
const at = (q: number) =>
  Math.round((ackMs[Math.min(ackMs.length - 1, Math.floor(q * ackMs.length))] ?? Number.NaN) * 10) / 10;
const ack_ms = { p50: at(0.5), p99: at(0.99), max: at(1) };
process.stdout.write(
  `${JSON.stringify({ published, acked, seconds: elapsed, publish_rate: Math.round(published / elapsed), ack_ms })}\n`,
);
process.disconnect?.();
process.exit(0);
