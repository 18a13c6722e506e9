// Sparkplug B through the real broker (embedded, or TEST_MQTT_URL's Mosquitto) into the real app:
// births with aliases, data, quality, a sequence gap answered by a rebirth request seen on the
// broker, payloads that do not decode, and DDEATH/NDEATH marking data stale with one alert per node.
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SparkplugEdgeNode } from '../../src/connectors/sparkplug/edge-node.ts';
import { makeInstrument } from '../helpers/factories.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor, waitUntil } from '../helpers/wait.ts';

let t: TestApp;
let edgeClient: MqttClient;
const group = `g${randomBytes(4).toString('hex')}`;
const edge = new SparkplugEdgeNode(group, 'node1');
const rebirths: number[] = [];
let a: { id: number; tag: string };
let b: { id: number; tag: string };
let sourceId: number;

const lastReading = async (id: number) => (await t.api('GET', `/api/instruments/${id}`)).body.last_reading;
const source = async () => (await t.api('GET', `/api/connectors/sources/${sourceId}`)).body;
const publish = (m: { topic: string; payload: Buffer }) =>
  edgeClient.publishAsync(m.topic, m.payload, { qos: 1 });
const nodeAlerts = async () => {
  const res = await t.api('GET', '/api/alerts?status=all&alert_type=data_gap&limit=500');
  return (
    res.body.items as { source: string | null; occurrence_count?: number; cleared_at: string | null }[]
  ).filter((x) => x.source === `connector:${sourceId}:${group}/node1`);
};

beforeAll(async () => {
  t = await startTestApp();
  a = await makeInstrument(t);
  b = await makeInstrument(t);
  const res = await t.api('POST', '/api/connectors/sources', {
    body: {
      kind: 'sparkplug',
      name: `Sparkplug ${group}`,
      enabled: true,
      config: { broker: t.mqtt.external ? t.mqtt.url : 'embedded', group_id: group },
      points: [
        { tag: a.tag, group_id: group, edge_node_id: 'node1', metric: 'Line/PressureA' },
        {
          tag: b.tag,
          group_id: group,
          edge_node_id: 'node1',
          device_id: 'dev1',
          metric: 'PressureB',
          scale: 2,
          offset: 1,
        },
      ],
    },
  });
  expect(res.status).toBe(201);
  sourceId = res.body.id;
  await waitUntil(source, (s) => s.status.state === 'connected', { what: 'the source to connect' });
  edgeClient = await mqtt.connectAsync(t.mqtt.url, {
    clientId: `edge-${group}`,
    reconnectPeriod: 0,
    will: { ...edge.nextWill(), qos: 1, retain: false },
  });
  edgeClient.on('message', (topic, payload) => {
    if (topic === edge.ncmdTopic && SparkplugEdgeNode.isRebirth(payload)) rebirths.push(Date.now());
  });
  await edgeClient.subscribeAsync(edge.ncmdTopic, { qos: 0 });
}, 60_000);

afterAll(async () => {
  await edgeClient?.endAsync(true);
  await t?.stop();
});

describe('Sparkplug B connector', () => {
  it('takes births and data by alias into the pipeline, with the point scaling', async () => {
    const now = Date.now();
    await publish(edge.birth([{ name: 'Line/PressureA', value: 5 }], now - 2000));
    await publish(edge.deviceBirth('dev1', [{ name: 'PressureB', value: 1 }], now - 2000));
    await publish(edge.data([{ name: 'Line/PressureA', value: 5.5 }], now - 1000));
    await publish(edge.data([{ name: 'PressureB', value: 2 }], now - 1000, 'dev1'));
    const ra = await waitFor('A read', async () => {
      const r = await lastReading(a.id);
      return r && r.value === 5.5 ? r : null;
    });
    expect(ra.quality).toBe('good');
    expect(ra.timestamp).toBe(new Date(now - 1000).toISOString());
    const rb = await waitFor('B read', async () => {
      const r = await lastReading(b.id);
      return r && r.value === 5 ? r : null; // 2 * 2 + 1
    });
    expect(rb.stale).toBeUndefined();
    const s = await source();
    expect(s.status.readings_per_minute).toBeGreaterThanOrEqual(4);
    expect(s.status.last_reading_at).not.toBeNull();
    expect(rebirths).toHaveLength(0);
  });

  it('maps the metric Quality property: bad -> fault, uncertain -> spike', async () => {
    await publish(edge.data([{ name: 'Line/PressureA', value: 5.1, quality: 0 }]));
    await waitFor('bad reading', async () => (await lastReading(a.id))?.quality === 'fault');
    await publish(edge.data([{ name: 'Line/PressureA', value: 5.2, quality: 100 }]));
    await waitFor('uncertain reading', async () => {
      const r = await lastReading(a.id);
      return r?.value === 5.2 && r.quality === 'spike';
    });
    // The bad value raised one instrument_fault naming its source, not a loop-current bound (the
    // alert aggregator writes it on its next flush, after the reading is stored).
    const alerts = await waitFor('the instrument_fault alert', async () => {
      const r = await t.api(
        'GET',
        `/api/alerts?status=all&instrument_id=${a.id}&alert_type=instrument_fault`,
      );
      return r.body.items.length > 0 ? r : null;
    });
    expect(alerts.body.items.map((x: { condition: string }) => x.condition)).toEqual(['source_bad']);
  });

  it('asks the node for a rebirth when sequence numbers are skipped, and the answer is taken', async () => {
    edge.skip(3);
    await publish(edge.data([{ name: 'Line/PressureA', value: 6 }]));
    await waitFor('rebirth request on the broker', () => rebirths.length > 0);
    const s = await waitUntil(source, (x) => x.status.details.rebirth_requests >= 1);
    expect(s.status.details.sequence_gaps).toBe(1);
    // The node answers with a new birth; data goes on without another request.
    // Distinct times: two values of one instrument at the same millisecond keep the first (the second
    // is a duplicate), and the two publishes can fall within one millisecond.
    const reborn = Date.now();
    await publish(edge.birth([{ name: 'Line/PressureA', value: 6.1 }], reborn - 1));
    await publish(edge.data([{ name: 'Line/PressureA', value: 6.2 }], reborn));
    await waitFor('data after the rebirth', async () => (await lastReading(a.id))?.value === 6.2);
    expect((await source()).status.details.sequence_gaps).toBe(1);
  });

  it('counts payloads that do not decode and carries on', async () => {
    await edgeClient.publishAsync(`spBv1.0/${group}/NDATA/node1`, Buffer.from('{"not":"protobuf"}'), {
      qos: 1,
    });
    await waitUntil(source, (x) => x.status.details.bad_payloads >= 1, { what: 'bad payload counted' });
    await publish(edge.data([{ name: 'Line/PressureA', value: 6.3 }]));
    await waitFor('data after the bad payload', async () => (await lastReading(a.id))?.value === 6.3);
  });

  it('DDEATH and NDEATH mark the data stale with one alert for the edge node, cleared by a new birth', async () => {
    await publish(edge.deviceDeath('dev1'));
    await waitFor('B stale', async () => (await lastReading(b.id))?.stale === true);
    expect((await lastReading(a.id))?.stale).toBeUndefined();
    await waitUntil(nodeAlerts, (x) => x.length === 1, { what: 'the node alert' });

    await publish(edge.death());
    await waitFor('A stale', async () => (await lastReading(a.id))?.stale === true);
    // Still one alert for the node: the NDEATH counted on it, not a second one, nor one per metric.
    const alerts = await waitUntil(nodeAlerts, (x) => x.length === 1 && (x[0].occurrence_count ?? 0) >= 2, {
      what: 'the repeat on the node alert',
    });
    expect(alerts[0].cleared_at).toBeNull();
    const detail = await t.api('GET', '/api/alerts?status=all&limit=500');
    const instrumentGaps = detail.body.items.filter(
      (x: { instrument_id: number | null; alert_type: string }) =>
        (x.instrument_id === a.id || x.instrument_id === b.id) && x.alert_type === 'data_gap',
    );
    expect(instrumentGaps).toHaveLength(0);

    await publish(edge.birth([{ name: 'Line/PressureA', value: 7 }]));
    await waitUntil(nodeAlerts, (x) => x.length === 1 && x[0].cleared_at !== null, {
      what: 'the alert cleared',
    });
    await waitFor('A fresh again', async () => {
      const r = await lastReading(a.id);
      return r?.value === 7 && r.stale === undefined;
    });
  });
});
