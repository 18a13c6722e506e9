import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'vite';

const root = path.resolve(import.meta.dirname, '../..');
const dist = path.join(root, 'web/dist/index.html');
// What the bundle is made of: the SPA, and the server module the calibration modal shares.
const sources = [
  path.join(root, 'web/src'),
  path.join(root, 'web/index.html'),
  path.join(root, 'web/public'),
  path.join(root, 'web/vite.config.ts'),
  path.join(root, 'src/calibration/point-errors.ts'),
];

function newest(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(p)) m = Math.max(m, newest(path.join(p, e)));
  return m;
}

/** Builds web/dist when it is missing or older than its sources, so the tests drive the current app. */
export default async function setup() {
  const built = existsSync(dist) ? statSync(dist).mtimeMs : 0;
  const changed = Math.max(...sources.filter(existsSync).map(newest));
  if (built >= changed) return;
  await build({ configFile: path.join(root, 'web/vite.config.ts'), logLevel: 'warn' });
}
