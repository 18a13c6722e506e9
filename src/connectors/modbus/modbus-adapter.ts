// The Modbus TCP poller: connects to a device, polls the planned reads every poll interval, decodes
// and scales each point and hands the poll's readings to the sink in one batch. A request that times
// out or a lost connection marks the poll's points bad (once per outage), shows the error in status
// and reconnects with back-off; a Modbus exception (illegal address, device busy) marks only the
// points of that read bad and keeps the connection.

import modbusSerial from 'modbus-serial';
import type { Logger } from 'pino';
import { AdapterStatus, Backoff, errorText, LastValues, pause, withTimeout } from '../adapter-runtime.ts';
import type {
  AdapterFactory,
  ConnectorAdapter,
  ConnectorReading,
  ConnectorSink,
  ConnectorStatus,
} from '../types.ts';
import { decodeRegisters, scaleValue } from './decode.ts';
import { type PlannedRead, planReads } from './read-plan.ts';
import type { ModbusConfig, ModbusPoint } from './schemas.ts';

// modbus-serial is CommonJS: the client class is the module itself and also its `default`.
const ModbusRTU = modbusSerial.default;
type Client = InstanceType<typeof ModbusRTU>;

const DEFAULTS = {
  port: 502,
  unit_id: 1,
  poll_interval_ms: 1000,
  timeout_ms: 2000,
  max_registers_per_read: 125,
};

/** A Modbus exception response: the device answered, so the connection is fine. */
const isModbusException = (e: unknown) =>
  typeof e === 'object' && e !== null && typeof (e as { modbusCode?: unknown }).modbusCode === 'number';

export const createModbusAdapter: AdapterFactory<ModbusConfig, ModbusPoint> = (args) =>
  new ModbusAdapter(args);

class ModbusAdapter implements ConnectorAdapter {
  private readonly cfg: typeof DEFAULTS & ModbusConfig;
  private readonly plan: PlannedRead[];
  private readonly points: ModbusPoint[];
  private readonly sink: ConnectorSink;
  private readonly log: Logger;
  private readonly stat = new AdapterStatus();
  private readonly last = new LastValues();
  private readonly backoff: Backoff;
  private abort = new AbortController();
  private loop: Promise<void> | null = null;
  private client: Client | null = null;
  /** Set when the points were last delivered bad, so an outage flags them once, not every retry. */
  private markedBad = false;

  constructor(args: Parameters<AdapterFactory<ModbusConfig, ModbusPoint>>[0]) {
    this.cfg = { ...DEFAULTS, ...args.config };
    this.points = args.points;
    this.plan = planReads(args.points, this.cfg.max_registers_per_read);
    this.sink = args.sink;
    this.log = args.log.child({ connector: 'modbus', sourceId: args.sourceId, source: args.name });
    this.backoff = new Backoff(Math.min(1000, this.cfg.poll_interval_ms), 30_000);
  }

  async start(): Promise<void> {
    if (this.loop) return;
    this.abort = new AbortController();
    let firstAttempt!: () => void;
    const attempted = new Promise<void>((resolve) => {
      firstAttempt = resolve;
    });
    this.loop = this.run(firstAttempt);
    await attempted;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.loop = null;
    this.stat.state = 'stopped';
  }

  status(): ConnectorStatus {
    return this.stat.snapshot();
  }

  async testConnection(): Promise<string> {
    const client = await this.connect();
    try {
      const reads = this.plan.slice(0, 1);
      for (const r of reads) await this.read(client, r);
      const where = `${this.cfg.host}:${this.cfg.port} unit ${this.cfg.unit_id}`;
      return reads.length === 0
        ? `Connected to ${where} (no registers mapped yet)`
        : `Connected to ${where}; read ${reads[0].count} ${reads[0].registerType} register(s) from ${reads[0].start}; ${this.points.length} point(s) in ${this.plan.length} read(s) per poll`;
    } catch (e) {
      throw new Error(`Modbus read failed: ${errorText(e)}`);
    } finally {
      await closeClient(client);
    }
  }

  private async run(firstAttempt: () => void): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      this.stat.state = 'connecting';
      try {
        this.client = await this.connect();
        this.stat.state = 'connected';
        this.stat.lastError = null;
        this.log.info({ host: this.cfg.host, port: this.cfg.port }, 'modbus connected');
        firstAttempt();
        await this.pollUntilFailure(this.client, signal);
      } catch (e) {
        if (signal.aborted) break;
        this.stat.failed(e);
        this.log.warn(
          { err: errorText(e), host: this.cfg.host, port: this.cfg.port },
          'modbus connection failed',
        );
        firstAttempt();
        await this.markAllBad();
      }
      if (this.client) await closeClient(this.client);
      this.client = null;
      if (!signal.aborted) await pause(this.backoff.next(), signal);
    }
    if (this.client) await closeClient(this.client);
    this.client = null;
    firstAttempt();
  }

  private async connect(): Promise<Client> {
    const client = new ModbusRTU();
    // A socket 'error' after connect would otherwise be an unhandled event; the next read reports it.
    client.on('error', () => {});
    const where = `${this.cfg.host}:${this.cfg.port}`;
    try {
      await withTimeout(
        client.connectTCP(this.cfg.host, { port: this.cfg.port, timeout: this.cfg.timeout_ms }),
        this.cfg.timeout_ms,
        `no answer from ${where} within ${this.cfg.timeout_ms} ms`,
      );
    } catch (e) {
      await closeClient(client);
      throw new Error(`cannot connect to Modbus device at ${where}: ${errorText(e)}`);
    }
    client.setID(this.cfg.unit_id);
    client.setTimeout(this.cfg.timeout_ms);
    return client;
  }

  /** Polls until stop() (returns) or a transport failure (throws). */
  private async pollUntilFailure(client: Client, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = Date.now();
      await this.pollOnce(client);
      this.backoff.reset();
      await pause(Math.max(0, this.cfg.poll_interval_ms - (Date.now() - started)), signal);
    }
  }

  private async pollOnce(client: Client): Promise<void> {
    const readings: ConnectorReading[] = [];
    let exception: string | null = null;
    for (const r of this.plan) {
      let words: number[];
      try {
        words = await this.read(client, r);
      } catch (e) {
        if (!isModbusException(e)) throw e;
        exception = `${r.registerType} registers ${r.start}..${r.start + r.count - 1}: ${errorText(e)}`;
        const ts = Date.now();
        for (const p of r.points)
          readings.push(this.last.reading(this.points[p.index].tag, ts, Number.NaN, 'bad'));
        continue;
      }
      const ts = Date.now();
      for (const p of r.points) {
        const point = this.points[p.index];
        const raw = decodeRegisters(
          words.slice(p.offset, p.offset + p.words),
          point.data_type,
          point.word_order,
        );
        // A NaN or infinite float32 is the device saying "no valid value": a bad reading.
        const value = scaleValue(raw, point.scaling);
        readings.push(this.last.reading(point.tag, ts, value, Number.isFinite(value) ? 'good' : 'bad'));
      }
    }
    this.stat.lastError = exception;
    if (exception) this.log.warn({ err: exception }, 'modbus exception response');
    this.markedBad = false;
    await this.deliver(readings);
  }

  private async read(client: Client, r: PlannedRead): Promise<number[]> {
    const what = `${r.registerType} registers ${r.start}..${r.start + r.count - 1}`;
    const request: Promise<{ data: number[] }> =
      r.registerType === 'holding'
        ? client.readHoldingRegisters(r.start, r.count)
        : client.readInputRegisters(r.start, r.count);
    // modbus-serial times requests out itself; this bounds a reply that never completes as well.
    const res = await withTimeout(request, this.cfg.timeout_ms + 500, `no reply to a read of ${what}`);
    return res.data;
  }

  private async markAllBad(): Promise<void> {
    if (this.markedBad || this.points.length === 0) return;
    this.markedBad = true;
    const ts = Date.now();
    await this.deliver(this.points.map((p) => this.last.reading(p.tag, ts, Number.NaN, 'bad')));
  }

  private async deliver(readings: ConnectorReading[]): Promise<void> {
    if (readings.length === 0) return;
    try {
      await this.sink.submit(readings);
      this.stat.delivered(readings.length);
    } catch (e) {
      this.stat.lastError = `readings not stored: ${errorText(e)}`;
      this.log.error({ err: errorText(e) }, 'modbus readings not stored');
    }
  }
}

function closeClient(client: Client): Promise<void> {
  return new Promise((resolve) => {
    if (!client.isOpen) return resolve();
    client.close(() => resolve());
  });
}
