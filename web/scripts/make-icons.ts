// Draws the app icons (web/public/icons/icon-<size>.png) from the favicon's design: the trend
// line in amber on navy. Full-bleed with the mark inside the central 60 %, so the same file serves
// as a "maskable" icon a tablet crops to its own shape. No image library: a few lines of PNG.
// Run: node --import tsx web/scripts/make-icons.ts
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

const NAVY = [0x1f, 0x3a, 0x5f];
const AMBER = [0xf0, 0xa5, 0x00];
// The favicon's polyline on its 32-unit grid.
const LINE = [
  [6, 22],
  [12, 14],
  [17, 18],
  [25, 8],
];
const STROKE = 3;

function distToSegment(px: number, py: number, [ax, ay]: number[], [bx, by]: number[]): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function icon(size: number): Buffer {
  const scale = (size * 0.6) / 20; // the mark spans ~20 units; keep it in the central 60 %
  const offset = size / 2 - 16 * scale;
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) {
      // 4 samples per pixel for smooth edges.
      let cover = 0;
      for (const [sx, sy] of [
        [0.25, 0.25],
        [0.75, 0.25],
        [0.25, 0.75],
        [0.75, 0.75],
      ]) {
        const ux = (x + sx - offset) / scale;
        const uy = (y + sy - offset) / scale;
        const d = Math.min(...LINE.slice(1).map((p, i) => distToSegment(ux, uy, LINE[i], p)));
        if (d <= STROKE / 2) cover++;
      }
      const a = cover / 4;
      for (let c = 0; c < 3; c++) row[1 + x * 3 + c] = Math.round(NAVY[c] * (1 - a) + AMBER[c] * a);
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
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 2; // truecolour RGB
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const out = path.resolve(import.meta.dirname, '../public/icons');
for (const size of [192, 512]) writeFileSync(path.join(out, `icon-${size}.png`), icon(size));
console.log(`icons written to ${out}`);
