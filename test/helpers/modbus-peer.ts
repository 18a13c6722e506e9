// A Modbus TCP device for tests and benches: modbus-serial's ServerTCP over register arrays the test
// writes to. It can be stopped and started again on the same port (a device that reboots).

import { once } from 'node:events';
import modbusSerial from 'modbus-serial';
import { freePort } from '../../src/simulator/test-broker.ts';

export interface ModbusPeer {
  port: number;
  holding: number[];
  input: number[];
  /** Addresses that answer with exception 02 (illegal data address). */
  illegal: Set<number>;
  /** Requests served, so a test can see how many reads one poll made. */
  requests: number;
  setFloat32(table: 'holding' | 'input', address: number, value: number, wordOrder?: 'big' | 'little'): void;
  setInt32(table: 'holding' | 'input', address: number, value: number, wordOrder?: 'big' | 'little'): void;
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

export async function startModbusPeer(size = 1000): Promise<ModbusPeer> {
  const port = await freePort();
  let server: InstanceType<typeof modbusSerial.ServerTCP> | null = null;
  const words = (table: number[], address: number, hi: number, lo: number, order: 'big' | 'little') => {
    table[address] = order === 'big' ? hi : lo;
    table[address + 1] = order === 'big' ? lo : hi;
  };
  const peer: ModbusPeer = {
    port,
    holding: new Array(size).fill(0),
    input: new Array(size).fill(0),
    illegal: new Set(),
    requests: 0,
    setFloat32(table, address, value, order = 'big') {
      const b = Buffer.alloc(4);
      b.writeFloatBE(value, 0);
      words(peer[table], address, b.readUInt16BE(0), b.readUInt16BE(2), order);
    },
    setInt32(table, address, value, order = 'big') {
      const b = Buffer.alloc(4);
      b.writeInt32BE(value, 0);
      words(peer[table], address, b.readUInt16BE(0), b.readUInt16BE(2), order);
    },
    async start() {
      const read = (table: number[]) => (address: number, length: number) => {
        for (let a = address; a < address + length; a++)
          if (peer.illegal.has(a) || a >= table.length)
            throw { modbusErrorCode: 0x02, msg: 'Illegal address' };
        return table.slice(address, address + length);
      };
      const holding = read(peer.holding);
      const input = read(peer.input);
      const s = new modbusSerial.ServerTCP(
        {
          getMultipleHoldingRegisters: (a: number, n: number) => {
            peer.requests++;
            return holding(a, n);
          },
          getMultipleInputRegisters: (a: number, n: number) => {
            peer.requests++;
            return input(a, n);
          },
          getHoldingRegister: (a: number) => {
            peer.requests++;
            return holding(a, 1)[0];
          },
          getInputRegister: (a: number) => {
            peer.requests++;
            return input(a, 1)[0];
          },
        },
        { host: '127.0.0.1', port, unitID: 1 },
      );
      s.on('socketError', () => {});
      await once(s, 'initialized');
      server = s;
    },
    async stop() {
      const s = server;
      server = null;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  await peer.start();
  return peer;
}
