import { describe, expect, it } from 'vitest';
import { assessBroker, type BrokerObservation } from './broker-check.ts';

const v5 = {
  protocolVersion: 5 as const,
  receiveMaximum: 10_000,
  sessionExpirySeconds: 604_800,
  batchSize: 5000,
};
const seen = (o: Partial<BrokerObservation> = {}): BrokerObservation => ({
  session: { session_present: false, reconnect: false },
  probe: { receive_maximum: 20 },
  sys: { version: 'mosquitto version 2.0.11' },
  ...o,
});

describe('assessBroker', () => {
  it('has no warning for a broker that keeps our session and sends QoS 1', () => {
    const r = assessBroker(v5, seen());
    expect(r.warnings).toEqual([]);
    expect(r.notes.join('\n')).toMatch(/max_queued_messages/);
  });

  it('warns where QoS 1 readings would be dropped', () => {
    const cases: [Parameters<typeof assessBroker>[0], BrokerObservation, RegExp][] = [
      [v5, seen({ session: { session_present: false, reconnect: false, maximum_qos: 0 } }), /QoS 0 only/],
      [
        v5,
        seen({ session: { session_present: false, reconnect: false, session_expiry_interval: 0 } }),
        /does not keep our session/,
      ],
      [
        v5,
        seen({ session: { session_present: false, reconnect: false, session_expiry_interval: 3600 } }),
        /only 3600 s/,
      ],
      [
        v5,
        seen({ session: { session_present: false, reconnect: true } }),
        /did not keep our session across a reconnect/,
      ],
      [{ ...v5, receiveMaximum: 100 }, seen(), /MQTT_RECEIVE_MAXIMUM 100 is below INGEST_BATCH_SIZE 5000/],
      [{ ...v5, sessionExpirySeconds: 0 }, seen(), /MQTT_SESSION_EXPIRY_SECONDS=0/],
      [{ ...v5, protocolVersion: 4 }, seen(), /MQTT 3\.1\.1: the broker sends at most 20/],
      [v5, seen({ sys: { 'publish/messages/dropped': '12118' } }), /reports 12118 messages dropped/],
      [
        v5,
        seen({
          session: { session_present: true, reconnect: false, wildcard_subscription_available: false },
        }),
        /wildcard/,
      ],
    ];
    for (const [settings, observed, warning] of cases)
      expect(assessBroker(settings, observed).warnings.join('\n')).toMatch(warning);
  });

  it('says what it could not see', () => {
    const r = assessBroker({ ...v5, protocolVersion: 4 }, seen({ probe: null, sys: null }));
    expect(r.warnings).toEqual([]);
    expect(r.notes.join('\n')).toMatch(/max_inflight_messages, default 20\) applies and is not visible/);
    expect(r.notes.join('\n')).toMatch(/\$SYS is not readable/);
  });
});
