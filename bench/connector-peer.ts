// A device for bench/connectors.ts, in a process of its own as a PLC or OPC UA server would be, so
// the bench's figure is the CMMS's work, not the device's: the test peers (test/helpers) with every
// value changing every `change_ms`.
//
//   node --import tsx bench/connector-peer.ts opcua|modbus <points> <change_ms>
//
// Prints one JSON line `{"port":…,"url":…}` once it listens; exits on SIGTERM. OPC UA: Double
// variables ns=1;s=P0 … ; Modbus: holding registers 0 … (uint16 counts 5000..6000).

import { startModbusPeer } from '../test/helpers/modbus-peer.ts';
import { startOpcuaPeer } from '../test/helpers/opcua-peer.ts';

const [kind, pointsArg, changeArg] = process.argv.slice(2);
const points = Number(pointsArg);
const changeMs = Number(changeArg);
if ((kind !== 'opcua' && kind !== 'modbus') || !(points > 0) || !(changeMs > 0)) {
  console.error('usage: connector-peer.ts opcua|modbus <points> <change_ms>');
  process.exit(2);
}

let step = 0;
let close: () => Promise<void>;
if (kind === 'opcua') {
  const names = Array.from({ length: points }, (_, i) => `P${i}`);
  const peer = await startOpcuaPeer(names);
  const timer = setInterval(() => {
    step = (step + 1) % 1000;
    for (let i = 0; i < points; i++) peer.set(names[i], 5 + ((step + i) % 1000) / 1000);
  }, changeMs);
  close = async () => {
    clearInterval(timer);
    await peer.close();
  };
  console.log(JSON.stringify({ port: peer.port, url: peer.url }));
} else {
  const peer = await startModbusPeer(points);
  const timer = setInterval(() => {
    step = (step + 1) % 1000;
    for (let i = 0; i < points; i++) peer.holding[i] = 5000 + ((step + i) % 1000);
  }, changeMs);
  close = async () => {
    clearInterval(timer);
    await peer.stop();
  };
  console.log(JSON.stringify({ port: peer.port }));
}

process.on('SIGTERM', () => {
  void close().finally(() => process.exit(0));
});
