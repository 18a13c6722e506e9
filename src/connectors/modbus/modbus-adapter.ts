// The Modbus TCP poller: connects to a device, polls the planned reads every poll interval, decodes
// and scales each point and hands the poll's readings to the sink in one batch. A request that times
// out or a lost connection marks the poll's points bad (once per outage), shows the error in status
// and reconnects with back-off; a Modbus exception (illegal address, device busy) marks only the
// points of that read bad and keeps the connection.

import modbusSerial from 'modbus-serial';
import { Backoff, errorText, pause, SupervisedAdapter, withTimeout } from '../adapter-runtime.ts';
import type { AdapterArgs, AdapterFactory, ConnectorReading } from '../types.ts';
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

class ModbusAdapter extends SupervisedAdapter<Client> {
  private readonly cfg: typeof DEFAULTS & ModbusConfig;
  private readonly plan: PlannedRead[];
  private readonly points: ModbusPoint[];

  constructor(args: AdapterArgs<ModbusConfig, ModbusPoint>) {
    const cfg = { ...DEFAULTS, ...args.config };
    super(args, {
      protocol: 'modbus',
      peer: { host: cfg.host, port: cfg.port },
      tags: args.points.map((p) => p.tag),
      backoff: new Backoff(Math.min(1000, cfg.poll_interval_ms), 30_000),
    });
    this.cfg = cfg;
    this.points = args.points;
    this.plan = planReads(args.points, this.cfg.max_registers_per_read);
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
      await this.disconnect(client);
    }
  }

  /** Polls every poll interval until stop() (returns) or a transport failure (throws). */
  protected async session(client: Client, signal: AbortSignal): Promise<void> {
    this.connected();
    while (!signal.aborted) {
      const started = Date.now();
      await this.pollOnce(client);
      this.answered();
      await pause(Math.max(0, this.cfg.poll_interval_ms - (Date.now() - started)), signal);
    }
  }

  protected disconnect(client: Client): Promise<void> {
    return new Promise((resolve) => {
      if (!client.isOpen) return resolve();
      client.close(() => resolve());
    });
  }

  protected async connect(): Promise<Client> {
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
      await this.disconnect(client);
      throw new Error(`cannot connect to Modbus device at ${where}: ${errorText(e)}`);
    }
    client.setID(this.cfg.unit_id);
    client.setTimeout(this.cfg.timeout_ms);
    return client;
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
}
