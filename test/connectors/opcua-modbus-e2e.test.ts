// OPC UA and Modbus TCP sources created through the real API feed the real pipeline: the mapped
// instrument's live value (GET /api/readings/latest) comes from the device, scaled, with its quality.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInstrument } from '../helpers/factories.ts';
import { type ModbusPeer, startModbusPeer } from '../helpers/modbus-peer.ts';
import { type OpcuaPeer, startOpcuaPeer } from '../helpers/opcua-peer.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { waitFor } from '../helpers/wait.ts';

describe('OPC UA and Modbus sources end to end', () => {
  let t: TestApp;
  let modbus: ModbusPeer;
  let opcua: OpcuaPeer;

  beforeAll(async () => {
    t = await startTestApp();
    modbus = await startModbusPeer();
    opcua = await startOpcuaPeer(['PT-E2E']);
  }, 90_000);
  afterAll(async () => {
    await t?.stop();
    await modbus?.stop();
    await opcua?.close();
  });

  const live = async (tag: string) => {
    const res = await t.api('GET', '/api/readings/latest?limit=5000');
    return (res.body.items as { tag: string; value: number | null; quality: string | null }[]).find(
      (i) => i.tag === tag,
    );
  };

  it('a Modbus source maps a scaled register onto an instrument', async () => {
    const inst = await makeInstrument(t);
    modbus.holding[20] = 20000; // 0..32000 counts over 0..16 bar -> 10 bar
    const res = await t.api('POST', '/api/connectors/sources', {
      body: {
        kind: 'modbus',
        enabled: true,
        name: 'PLC modbus e2e',
        config: { host: '127.0.0.1', port: modbus.port, poll_interval_ms: 200, timeout_ms: 1000 },
        points: [
          {
            tag: inst.tag,
            register_type: 'holding',
            address: 20,
            data_type: 'uint16',
            scaling: { raw_min: 0, raw_max: 32000, eng_min: 0, eng_max: 16 },
          },
        ],
      },
    });
    expect(res.status).toBe(201);
    const reading = await waitFor('the scaled value live', async () => {
      const l = await live(inst.tag);
      return l?.value === 10 && l;
    });
    expect(reading.quality).toBe('good');
    const test = await t.api('POST', `/api/connectors/sources/${res.body.id}/test`, { body: {} });
    expect(test.status).toBe(200);
    expect(test.body.ok).toBe(true);
  });

  it('an OPC UA source with a bad field in its mapping is a 400, a good one feeds the instrument', async () => {
    const inst = await makeInstrument(t);
    const bad = await t.api('POST', '/api/connectors/sources', {
      body: {
        kind: 'opcua',
        name: 'PLC opcua bad',
        config: { endpoint_url: opcua.url },
        points: [{ node_id: 'ns=1;s=PT-E2E', tag: inst.tag, sampling: 5 }],
      },
    });
    expect(bad.status).toBe(400);

    opcua.set('PT-E2E', 6.5);
    const res = await t.api('POST', '/api/connectors/sources', {
      body: {
        kind: 'opcua',
        name: 'PLC opcua e2e',
        enabled: true,
        config: { endpoint_url: opcua.url, publishing_interval_ms: 100, timeout_ms: 5000 },
        points: [{ node_id: 'ns=1;s=PT-E2E', tag: inst.tag, sampling_interval_ms: 50 }],
      },
    });
    expect(res.status).toBe(201);
    await waitFor('the OPC UA value live', async () => (await live(inst.tag))?.value === 6.5, 30_000);
    opcua.set('PT-E2E', 7.25);
    await waitFor('the changed value live', async () => (await live(inst.tag))?.value === 7.25, 30_000);
  }, 60_000);
});
