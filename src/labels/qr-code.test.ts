import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeQr, QrTooLongError } from './qr-code.ts';

// A greyscale PNG of the code (4 px a module, 4-module quiet zone), for a real decoder to read.
function png(q: ReturnType<typeof encodeQr>, scale = 4, quiet = 4): Buffer {
  const n = (q.size + quiet * 2) * scale;
  const rows: Buffer[] = [];
  for (let py = 0; py < n; py++) {
    const row = Buffer.alloc(n + 1);
    for (let px = 0; px < n; px++) {
      const x = Math.floor(px / scale) - quiet;
      const y = Math.floor(py / scale) - quiet;
      row[px + 1] = x >= 0 && y >= 0 && x < q.size && y < q.size && q.modules[y][x] ? 0 : 255;
    }
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(n, 0);
  ihdr.writeUInt32BE(n, 4);
  ihdr[8] = 8;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const texts = [
  'hi',
  'https://cmms.example.org/instruments/12',
  `https://plant-7.copperbelt.example/instruments/123456?unit=${'y'.repeat(80)}`,
  'h'.repeat(200),
  'a'.repeat(213),
];

describe('QR encoder', () => {
  it('picks the smallest version and draws the three finder patterns', () => {
    expect(encodeQr('hi').version).toBe(1);
    expect(encodeQr('https://cmms.example.org/instruments/12').version).toBe(3);
    const q = encodeQr('a'.repeat(213));
    expect(q.version).toBe(10);
    expect(q.size).toBe(57);
    for (const [x, y] of [
      [0, 0],
      [q.size - 7, 0],
      [0, q.size - 7],
    ]) {
      // Finder: a dark 7x7 ring, light ring, dark 3x3 core.
      expect(
        q.modules[y][x] && q.modules[y + 6][x + 6] && !q.modules[y + 1][x + 1] && q.modules[y + 3][x + 3],
      ).toBe(true);
    }
    expect(() => encodeQr('a'.repeat(214))).toThrow(QrTooLongError);
  });

  it.skipIf(!existsSync('/usr/bin/zbarimg'))('is read back by zbarimg (zbar-tools)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qr-'));
    for (const text of texts) {
      const file = path.join(dir, 'q.png');
      writeFileSync(file, png(encodeQr(text)));
      const out = execFileSync('zbarimg', ['-q', '--raw', file], { stdio: ['ignore', 'pipe', 'ignore'] });
      expect(out.toString().trim()).toBe(text);
    }
  });
});
