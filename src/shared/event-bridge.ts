// Cross-process domain events on PostgreSQL (docs/scaling.md). The EventBus is in-process; with
// several processes a model activated, an instrument changed or an alert resolved through one of
// them must reach the others' caches and detectors. This bridge publishes the selected events with
// NOTIFY (they are emitted after commit, so a NOTIFY outside any transaction is sent at once) and
// re-emits the other processes' notifications on the local bus, ignoring its own by origin id.
// Events that act once (alert.raised sends notifications) are not bridged.

import { sql } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import type { DomainEvents, EventBus } from './events.ts';

/** The events every process must hear of. */
export const BRIDGED_EVENTS = [
  'instrument.changed',
  'instruments.changed',
  'calibration.recorded',
  'calibrations.imported',
  'model.activated',
  'model_group.changed',
  'alert.resolved',
  'gateway.changed',
  'connector_source.changed',
] as const satisfies readonly (keyof DomainEvents)[];

type Bridged = (typeof BRIDGED_EVENTS)[number];

interface Message {
  origin: string;
  event: Bridged;
  args: unknown[];
}

export interface EventBridgeDeps {
  db: Database;
  /** The PostgreSQL URL and schema: the listener has a connection of its own. */
  url: string;
  schema: string;
  events: EventBus;
  log: Logger;
  /** This process's id (the lease holder id): its own notifications are not re-emitted. */
  origin: string;
}

export class EventBridge {
  private client: pg.Client | null = null;
  private relaying = false;
  private stopped = false;
  private readonly channel: string;
  private readonly forwarders = new Map<Bridged, (...args: unknown[]) => void>();
  private readonly sending = new Set<Promise<void>>();
  received = 0;
  sent = 0;

  constructor(private readonly deps: EventBridgeDeps) {
    // One channel per schema: processes of another plant (or test) on the same database never mix.
    this.channel = `cmms_events_${deps.schema}`.replace(/[^a-z0-9_]/gi, '_').slice(0, 63);
  }

  async start(): Promise<void> {
    await this.connect();
    for (const event of BRIDGED_EVENTS) {
      const forward = (...args: unknown[]) => {
        if (!this.relaying) this.publish(event, args);
      };
      this.forwarders.set(event, forward);
      this.deps.events.on(event, forward as never);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const [event, forward] of this.forwarders) this.deps.events.off(event, forward as never);
    this.forwarders.clear();
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }

  health() {
    return {
      channel: this.channel,
      listening: this.client !== null,
      sent: this.sent,
      received: this.received,
    };
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.deps.url });
    client.on('notification', (n) => this.onNotification(n.payload));
    // A lost connection misses notifications: reconnect, and say so (caches also refresh on a timer).
    client.on('error', (err) => this.deps.log.warn({ err }, 'event bridge connection error'));
    client.on('end', () => {
      if (this.stopped || this.client !== client) return;
      this.client = null;
      this.deps.log.warn('event bridge disconnected: reconnecting');
      setTimeout(
        () =>
          void this.connect().catch((err) => this.deps.log.error({ err }, 'event bridge reconnect failed')),
        1000,
      ).unref();
    });
    await client.connect();
    await client.query(`listen ${this.channel}`);
    this.client = client;
  }

  private publish(event: Bridged, args: unknown[]): void {
    const message: Message = { origin: this.deps.origin, event, args };
    const sending = sql`select pg_notify(${this.channel}, ${JSON.stringify(message)})`
      .execute(this.deps.db)
      .then(() => {
        this.sent++;
      })
      .catch((err) => this.deps.log.warn({ err, event }, 'event bridge could not publish'))
      .finally(() => this.sending.delete(sending));
    this.sending.add(sending);
  }

  /** Resolves once every event emitted so far has been sent (a short-lived process, the CLI, waits for it). */
  async flush(): Promise<void> {
    await Promise.all([...this.sending]);
  }

  private onNotification(payload: string | undefined): void {
    let m: Message;
    try {
      m = JSON.parse(payload ?? '');
    } catch {
      return;
    }
    if (m.origin === this.deps.origin || !(BRIDGED_EVENTS as readonly string[]).includes(m.event)) return;
    this.received++;
    this.relaying = true;
    try {
      (this.deps.events.emit as (e: string, ...a: unknown[]) => boolean)(m.event, ...m.args);
    } catch (err) {
      this.deps.log.error({ err, event: m.event }, 'a relayed event listener failed');
    } finally {
      this.relaying = false;
    }
  }
}
