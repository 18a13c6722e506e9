// Who may do what on the embedded broker. Pure decisions, so the rules are unit-tested apart from
// the sockets; broker.ts applies them in aedes's authenticate/authorize hooks.
//
//   app        the CMMS's own login (MQTT_USERNAME, or one generated per process): anything
//   gateway    a field gateway (src/gateways): publish only readings, or Sparkplug B as an edge node
//              (spBv1.0/<group>/{N,D}{BIRTH,DATA,DEATH}/...); subscribe to its NCMD/DCMD and STATE
//              topics; never read readings or $SYS
//   anonymous  only in development with no credentials anywhere: anything, as before
//
// For everyone: a reading is never retained (the flag is dropped, the reading still ingested) and a
// will on the readings topic is refused at connect, so nobody can leave a reading to be "published"
// after they are gone or replayed to later subscribers.

import { topicMatches } from './broker.ts';

export type BrokerIdentity =
  | { kind: 'app' }
  | { kind: 'anonymous' }
  | { kind: 'gateway'; username: string; passwordChangedAt: string };

/** Whether some topic could match both filters (so a subscription to `a` could receive `b`'s topics). */
export function filtersOverlap(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; ; i++) {
    const p = x[i];
    const q = y[i];
    if (p === '#' || q === '#') return true;
    if (p === undefined || q === undefined) return p === q;
    if (p !== '+' && q !== '+' && p !== q) return false;
  }
}

export type PublishDecision = 'reading' | 'allow' | 'refuse';

/** A PUBLISH: `reading` goes to ingestion, `allow` is routed as is, `refuse` disconnects the client. */
export function publishDecision(
  who: BrokerIdentity,
  readingsFilter: string,
  topic: string,
  opts: { isWill: boolean },
): PublishDecision {
  if (topic.startsWith('$')) return 'refuse';
  const reading = topicMatches(readingsFilter, topic);
  if (reading) return opts.isWill ? 'refuse' : 'reading';
  if (who.kind !== 'gateway') return 'allow';
  return sparkplugEdgeTopic(topic) ? 'allow' : 'refuse';
}

const EDGE_TYPES = new Set(['NBIRTH', 'NDATA', 'NDEATH', 'DBIRTH', 'DDATA', 'DDEATH']);

/** spBv1.0/<group>/<type>/<edge node>[/<device>]: what a Sparkplug B edge node publishes. */
function sparkplugEdgeTopic(topic: string): boolean {
  const p = topic.split('/');
  return p[0] === 'spBv1.0' && (p.length === 4 || p.length === 5) && EDGE_TYPES.has(p[2] ?? '');
}

/** Commands to an edge node (rebirth requests) and host application state, which nodes listen to. */
function sparkplugCommandFilter(filter: string): boolean {
  const p = filter.split('/');
  if (p[0] !== 'spBv1.0') return false;
  if (p[1] === 'STATE') return true;
  return p.length >= 4 && (p[2] === 'NCMD' || p[2] === 'DCMD');
}

/** A SUBSCRIBE: gateways may not read readings (their own or others'), `#`, or any `$` topic. */
export function maySubscribe(who: BrokerIdentity, readingsFilter: string, filter: string): boolean {
  if (who.kind !== 'gateway') return true;
  if (filter.startsWith('$') || filter.startsWith('#') || filter.startsWith('+')) return false;
  if (filter.startsWith('spBv1.0/')) return sparkplugCommandFilter(filter);
  return !filtersOverlap(filter, readingsFilter);
}

/** A will on the readings topic is refused at connect (a crafted "reading" on disconnect). */
export const willAllowed = (readingsFilter: string, willTopic: string | undefined) =>
  willTopic === undefined || !topicMatches(readingsFilter, willTopic);
