// The OPC UA client against a server that offers only signed, Basic256Sha256 endpoints and no
// anonymous login: SignAndEncrypt and Sign sessions with a user name and password, an unsigned client
// refused, and a wrong password that shows in status while the adapter keeps retrying.
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOpcuaAdapter } from '../../src/connectors/opcua/opcua-adapter.ts';
import type { OpcuaConfig, OpcuaPoint } from '../../src/connectors/opcua/schemas.ts';
import type { ConnectorAdapter } from '../../src/connectors/types.ts';
import { OPERATOR, type OpcuaPeer, startOpcuaPeer } from '../helpers/opcua-peer.ts';
import { type RecordingSink, recordingSink } from '../helpers/recording-sink.ts';
import { waitFor, waitUntil } from '../helpers/wait.ts';

const POINTS: OpcuaPoint[] = [{ node_id: 'ns=1;s=PT-S', tag: 'PT-S', sampling_interval_ms: 50 }];
const LOGIN: Partial<OpcuaConfig> = {
  auth: 'username',
  username: OPERATOR.username,
  password: OPERATOR.password,
};

describe('OPC UA adapter with message security', () => {
  let peer: OpcuaPeer;
  let sink: RecordingSink;
  let adapter: ConnectorAdapter | null = null;

  beforeAll(async () => {
    peer = await startOpcuaPeer(['PT-S'], { secure: true });
  }, 60_000);
  afterAll(async () => {
    await peer.close();
  });
  afterEach(async () => {
    await adapter?.stop();
    adapter = null;
  });

  const make = (config: Partial<OpcuaConfig>) => {
    sink = recordingSink();
    return createOpcuaAdapter({
      sourceId: 9,
      name: 'PLC-UA secure',
      config: { endpoint_url: peer.url, publishing_interval_ms: 100, timeout_ms: 10_000, ...config },
      points: POINTS,
      sink,
      log: pino({ level: process.env.TEST_LOG ?? 'silent' }),
      env: { embeddedBroker: () => null },
    });
  };

  it('subscribes over SignAndEncrypt (Basic256Sha256) with a user name and password', async () => {
    peer.set('PT-S', 3.5);
    adapter = make({ security_mode: 'SignAndEncrypt', security_policy: 'Basic256Sha256', ...LOGIN });
    await adapter.start();
    expect(adapter.status()).toMatchObject({ state: 'connected', lastError: null });
    await waitFor('the first value', () => sink.of('PT-S').find((r) => r.value === 3.5));
    peer.set('PT-S', 4.5);
    await waitFor('a changed value', () => sink.of('PT-S').find((r) => r.value === 4.5));
    // The server saw an encrypted channel and our user, not an anonymous or plain session.
    expect(peer.sessions.at(-1)).toEqual({
      securityMode: 'SignAndEncrypt',
      securityPolicy: 'http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256',
      user: OPERATOR.username,
    });
  });

  it('tests a Sign connection (policy by default), and names what the server offers when security is off', async () => {
    adapter = make({ security_mode: 'Sign', ...LOGIN });
    expect(await adapter.testConnection()).toMatch(/security Sign, username login.*1 of 1 mapped node/);
    expect(peer.sessions.at(-1)).toMatchObject({ securityMode: 'Sign', user: OPERATOR.username });

    const plain = make({ ...LOGIN });
    await expect(plain.testConnection()).rejects.toThrow(
      'the server has no endpoint with security None/None (it offers Sign/Basic256Sha256, SignAndEncrypt/Basic256Sha256)',
    );
  });

  it('shows a wrong password in status, keeps retrying and stops cleanly', async () => {
    adapter = make({ security_mode: 'SignAndEncrypt', ...LOGIN, password: 'not-the-password' });
    const refused =
      /session was refused: the server refused user operator \(BadUserAccessDenied\): check the user name and password/;
    await expect(adapter.testConnection()).rejects.toThrow(refused);
    const attempts = peer.sessionsCreated;
    await adapter.start();
    const status = adapter.status();
    expect(status.state).toBe('error');
    expect(status.lastError).toMatch(refused);
    // Still running: after the back-off it tries again, and fails the same way.
    await waitFor('a second attempt', () => peer.sessionsCreated >= attempts + 2);
    await waitUntil(
      () => adapter?.status(),
      (s) => s?.state === 'error' && refused.test(s.lastError ?? ''),
      { what: 'the retry to fail' },
    );
    await adapter.stop();
    expect(adapter.status().state).toBe('stopped');
    adapter = null;
  });
});
