// The simulator inside the server: the registered instruments, simulated and published to the
// configured broker, controlled from /api/simulator and started with the server when
// SIMULATOR_ENABLED=true. The instrument list follows the register ('instrument.changed',
// 'instruments.changed').
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit-log.ts';
import type { Config } from '../config.ts';
import type { DB } from '../db/schema.ts';
import type { EventBus } from '../shared/events.ts';
import { UnknownTagError } from './errors.ts';
import type { FaultKind } from './fault-spec.ts';
import { parseFaultRequest } from './fault-spec.ts';
import { loadScheduledFaults } from './scheduled-faults.ts';
import type { InstrumentType, SimInstrument } from './signals.ts';
import {
  redactUrl,
  Simulator,
  type SimulatorFaultStatus,
  type SimulatorLogger,
  type SimulatorStatus,
} from './simulator.ts';

const SIM_TYPES: readonly InstrumentType[] = ['pressure', 'temperature', 'flow', 'level'];

/** Instruments the simulator can drive: live, in service, of a type it has a signal for. */
export async function loadSimInstruments(db: Kysely<DB>): Promise<SimInstrument[]> {
  const rows = await db
    .selectFrom('instruments')
    .select([
      'id',
      'tag',
      'type',
      'unit',
      'range_min',
      'range_max',
      'nominal_value',
      'publish_interval_seconds',
      'process_unit_id',
    ])
    .where('deleted_at', 'is', null)
    .where('status', '<>', 'out_of_service')
    .orderBy('tag')
    .execute();
  return (
    rows
      // A tag becomes a topic level, where / # + and spaces have a meaning.
      .filter(
        (r) =>
          SIM_TYPES.includes(r.type as InstrumentType) && r.range_max > r.range_min && !/[/#+\s]/.test(r.tag),
      )
      .map((r) => ({
        id: r.id,
        tag: r.tag,
        type: r.type as InstrumentType,
        unit: r.unit,
        rangeMin: r.range_min,
        rangeMax: r.range_max,
        nominalValue: r.nominal_value,
        publishIntervalSeconds: r.publish_interval_seconds,
        // Instruments of one process unit share its process state (correlated, like a real unit).
        processUnit: r.process_unit_id === null ? null : `unit-${r.process_unit_id}`,
      }))
  );
}

export interface BrokerTarget {
  url: string;
  username?: string;
  password?: string;
}

/**
 * Where the simulator publishes: the embedded broker on the port it bound (given when known, else
 * MQTT_PORT), or the external broker of MQTT_BROKER ("host" means mqtt://host:MQTT_PORT).
 */
export function brokerTarget(mqtt: Config['mqtt'], embeddedPort?: number): BrokerTarget {
  const credentials = {
    ...(mqtt.username ? { username: mqtt.username } : {}),
    ...(mqtt.password ? { password: mqtt.password } : {}),
  };
  if (mqtt.broker === 'embedded')
    return { url: `mqtt://127.0.0.1:${embeddedPort ?? mqtt.port}`, ...credentials };
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(mqtt.broker)
    ? mqtt.broker
    : `mqtt://${mqtt.broker}:${mqtt.port}`;
  return { url, ...credentials };
}

/** The topic prefix readings go to: MQTT_TOPIC without its trailing wildcard level. */
export function topicPrefixOf(topic: string): string {
  const prefix = topic.replace(/\/?[#+]$/, '').replace(/\/+$/, '');
  return prefix === '' || /[#+]/.test(prefix) ? 'plant/readings' : prefix;
}

export interface SimulatorRuntimeDeps {
  db: Kysely<DB>;
  events: EventBus;
  log: SimulatorLogger;
  /** Resolved at first use: the embedded broker's port is known only once it listens. */
  broker: () => BrokerTarget;
  topicPrefix: string;
  now: () => Date;
  /** Publish Sparkplug B as this edge node instead of JSON readings (SIMULATOR_SPARKPLUG). */
  sparkplug?: { group: string; node: string } | null;
}

export interface StartOptions {
  /** Publish n times as often as each instrument's interval (default 1). */
  rateMultiplier?: number;
  /** Only these tags (default: every instrument). */
  tags?: string[];
}

export class SimulatorRuntime {
  private sim: Simulator | null = null;
  private instruments: SimInstrument[] | null = null;
  private rate = 1;
  private tags: string[] | null = null;
  private reloadTimer: NodeJS.Timeout | null = null;
  private readonly onChanged = () => this.scheduleReload();

  constructor(private readonly deps: SimulatorRuntimeDeps) {
    deps.events.on('instrument.changed', this.onChanged);
    deps.events.on('instruments.changed', this.onChanged);
  }

  async status(): Promise<SimulatorStatus> {
    return (await this.simulator()).status();
  }

  async start(opts: StartOptions = {}, actorId: number | null = null): Promise<SimulatorStatus> {
    let sim = await this.simulator();
    // Each start says what to run: by default every instrument at its own interval.
    const rate = opts.rateMultiplier ?? 1;
    const tags = opts.tags ?? null;
    if (tags) await this.requireTags(tags);
    const running = sim.status().running;
    if (running && rate === this.rate && sameTags(tags, this.tags)) return sim.status();
    if (running) await sim.stop();
    if (rate !== this.rate) sim = this.rebuild(rate);
    this.tags = tags;
    sim.setInstruments(this.selected());
    sim.start();
    await this.audit(actorId, 'start', { rate_multiplier: rate, tags });
    return sim.status();
  }

  async stop(actorId: number | null = null): Promise<SimulatorStatus> {
    if (!this.sim) return this.status();
    const wasRunning = this.sim.status().running;
    await this.sim.stop();
    if (wasRunning) await this.audit(actorId, 'stop', { published: this.sim.status().published });
    return this.sim.status();
  }

  /** Validates an API body { tag, kind, ...params } and injects the fault. */
  async injectFault(body: unknown, actorId: number | null = null): Promise<SimulatorFaultStatus> {
    const { tag, spec } = parseFaultRequest(body);
    const sim = await this.simulator();
    await this.requireTags([tag]);
    const fault = sim.injectFault(tag, spec);
    await this.audit(actorId, 'inject_fault', { tag, kind: fault.kind, params: fault.params });
    return fault;
  }

  async clearFaults(tag?: string, kind?: FaultKind, actorId: number | null = null): Promise<number> {
    const sim = await this.simulator();
    const cleared = sim.clearFaults(tag, kind);
    if (cleared > 0)
      await this.audit(actorId, 'clear_faults', { tag: tag ?? null, kind: kind ?? null, cleared });
    return cleared;
  }

  async close(): Promise<void> {
    this.deps.events.off('instrument.changed', this.onChanged);
    this.deps.events.off('instruments.changed', this.onChanged);
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = null;
    await this.sim?.stop();
  }

  private async simulator(): Promise<Simulator> {
    if (this.instruments === null) this.instruments = await loadSimInstruments(this.deps.db);
    if (this.sim) return this.sim;
    const sim = this.rebuild(this.rate);
    // Faults scheduled from an earlier event time (the demo's drift) carry on where they were.
    for (const f of await loadScheduledFaults(this.deps.db)) {
      try {
        sim.injectFault(f.tag, f.spec, f.startMs);
      } catch (err) {
        this.deps.log.warn({ err, tag: f.tag }, 'scheduled simulator fault skipped');
      }
    }
    return sim;
  }

  /**
   * Throws UnknownTagError for a tag the simulator cannot drive. An instrument registered a moment
   * ago may not have reached the list yet (reloads are debounced): look again before refusing.
   */
  private async requireTags(tags: readonly string[]): Promise<void> {
    const missing = () => {
      const known = new Set(this.instruments?.map((i) => i.tag));
      return tags.find((t) => !known.has(t));
    };
    if (missing() !== undefined) await this.reload();
    const tag = missing();
    if (tag !== undefined) throw new UnknownTagError(tag);
  }

  /** A new Simulator (the rate is fixed per instance); active faults carry over. */
  private rebuild(rate: number): Simulator {
    const old = this.sim;
    const target = this.deps.broker();
    const sim = new Simulator({
      brokerUrl: target.url,
      username: target.username,
      password: target.password,
      instruments: this.selected(),
      rateMultiplier: rate,
      topicPrefix: this.deps.topicPrefix,
      logger: this.deps.log,
      clock: () => this.deps.now().getTime(),
      ...(this.deps.sparkplug ? { sparkplug: this.deps.sparkplug } : {}),
    });
    for (const f of old?.status().faults ?? []) {
      try {
        // Same start: a drift keeps its offset across a rate change instead of starting again at 0.
        sim.injectFault(f.tag, { kind: f.kind, ...f.params }, Date.parse(f.started_at));
      } catch {
        // The instrument left the simulation meanwhile.
      }
    }
    this.sim = sim;
    this.rate = rate;
    return sim;
  }

  private selected(): SimInstrument[] {
    const all = this.instruments ?? [];
    if (!this.tags) return all;
    const wanted = new Set(this.tags);
    return all.filter((i) => wanted.has(i.tag));
  }

  /** Register edits come in bursts (imports): reload once they settle. */
  private scheduleReload(): void {
    if (this.reloadTimer || this.instruments === null) return;
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      void this.reload();
    }, 250);
    this.reloadTimer.unref();
  }

  private async reload(): Promise<void> {
    try {
      this.instruments = await loadSimInstruments(this.deps.db);
      this.sim?.setInstruments(this.selected());
    } catch (err) {
      this.deps.log.error({ err }, 'simulator could not reload the instruments');
    }
  }

  private async audit(
    actorId: number | null,
    action: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    const broker = this.sim ? this.sim.status().broker : redactUrl(this.deps.broker().url);
    await this.deps.db.transaction().execute((trx) =>
      recordAudit(trx, {
        userId: actorId,
        action,
        entityType: 'simulator',
        entityId: null,
        newValue: { ...details, broker },
        at: this.deps.now().toISOString(),
      }),
    );
  }
}

function sameTags(a: string[] | null, b: string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((t, i) => t === b[i]);
}
