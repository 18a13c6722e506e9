// Guards on dependencies the product leans on in ways their semver does not promise.
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const json = (file: string) => JSON.parse(readFileSync(path.join(root, file), 'utf8'));

describe('mqtt.js', () => {
  it('is pinned to one exact version, the one installed', () => {
    const pinned = json('package.json').dependencies.mqtt;
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(json('node_modules/mqtt/package.json').version).toBe(pinned);
  });

  // The external subscriber (src/ingestion/subscriber.ts) defers each PUBACK until the readings are
  // committed and then writes it with the client's private _sendPacket. An upgrade that renames or
  // changes it must fail here, not in a plant.
  it('still writes a PUBACK through the private _sendPacket(packet, cb, cbStorePut, noStore)', async () => {
    const puback = Buffer.from([0x40, 0x02, 0x12, 0x34]); // PUBACK, message id 0x1234
    const received: Buffer[] = [];
    let acked = () => {};
    const pubackSeen = new Promise<void>((resolve) => {
      acked = resolve;
    });
    const server = net.createServer((socket) => {
      socket.once('data', () => socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]))); // CONNACK, accepted
      socket.on('data', (d) => {
        received.push(d);
        if (Buffer.concat(received).includes(puback)) acked();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { protocolVersion: 4, reconnectPeriod: 0 });
    try {
      await new Promise((resolve) => client.once('connect', resolve));
      const writer = client as unknown as {
        _sendPacket?: (packet: object, cb?: () => void, cbStorePut?: () => void, noStore?: boolean) => void;
      };
      expect(typeof writer._sendPacket).toBe('function');
      writer._sendPacket!({ cmd: 'puback', messageId: 0x1234, reasonCode: 0 }, undefined, undefined, true);
      await pubackSeen;
    } finally {
      client.end(true);
      server.close();
    }
  });
});

describe('runtime dependencies', () => {
  // The compiled server runs on `npm ci --omit=dev` (docs/operations.md): whatever src/ imports at
  // run time must be a dependency, and a dependency nothing in src/ imports belongs in devDependencies.
  it('are what the server imports', () => {
    const src = path.join(root, 'src');
    const runtime = new Set<string>();
    const any = new Set<string>();
    const importRe = /^\s*(?:import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/gm;
    for (const f of readdirSync(src, { recursive: true }).map(String)) {
      if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
      for (const m of readFileSync(path.join(src, f), 'utf8').matchAll(importRe)) {
        const spec = m[2] ?? m[3];
        if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        any.add(pkg);
        if (!m[1]) runtime.add(pkg);
      }
    }
    const deps = Object.keys(json('package.json').dependencies);
    expect([...runtime].filter((p) => !deps.includes(p))).toEqual([]);
    expect(deps.filter((p) => !any.has(p))).toEqual([]);
  });
});
