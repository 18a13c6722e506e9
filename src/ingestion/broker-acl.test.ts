import { describe, expect, it } from 'vitest';
import {
  type BrokerIdentity,
  filtersOverlap,
  maySubscribe,
  publishDecision,
  willAllowed,
} from './broker-acl.ts';

const R = 'plant/readings/#';
const gw: BrokerIdentity = {
  kind: 'gateway',
  username: 'gw-1',
  passwordChangedAt: '2026-01-01T00:00:00.000Z',
};
const app: BrokerIdentity = { kind: 'app' };

describe('broker ACL', () => {
  it('finds filters that can match a common topic', () => {
    expect(filtersOverlap('#', R)).toBe(true);
    expect(filtersOverlap('plant/#', R)).toBe(true);
    expect(filtersOverlap('plant/+/PT-101', R)).toBe(true);
    expect(filtersOverlap('+/readings/x', R)).toBe(true);
    expect(filtersOverlap('plant/readings', R)).toBe(true); // '#' also matches its parent level
    expect(filtersOverlap('plant/commands/gw-1', R)).toBe(false);
    expect(filtersOverlap('plant/status/#', R)).toBe(false);
    expect(filtersOverlap('a/b', 'a/b/c')).toBe(false);
    expect(filtersOverlap('a/+', 'a/b')).toBe(true);
  });

  it('lets a gateway publish readings only', () => {
    expect(publishDecision(gw, R, 'plant/readings/PT-101', { isWill: false })).toBe('reading');
    expect(publishDecision(gw, R, 'plant/other', { isWill: false })).toBe('refuse');
    expect(publishDecision(gw, R, '$SYS/x', { isWill: false })).toBe('refuse');
    expect(publishDecision(app, R, 'plant/other', { isWill: false })).toBe('allow');
    expect(publishDecision(app, R, 'plant/readings/PT-101', { isWill: true })).toBe('refuse');
  });

  it('keeps gateways away from readings, # and $ topics', () => {
    for (const f of ['#', '+/#', 'plant/#', 'plant/readings/#', 'plant/readings/PT-101', '$SYS/#'])
      expect(maySubscribe(gw, R, f), f).toBe(false);
    expect(maySubscribe(gw, R, 'plant/commands/gw-1')).toBe(true);
    expect(maySubscribe(app, R, '#')).toBe(true);
  });

  it('refuses a will on the readings topic', () => {
    expect(willAllowed(R, 'plant/readings/PT-101')).toBe(false);
    expect(willAllowed(R, 'plant/status/gw-1')).toBe(true);
    expect(willAllowed(R, undefined)).toBe(true);
  });
});
