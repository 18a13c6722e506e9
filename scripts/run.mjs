// `npm start`, `npm run demo`, `npm run cli`: runs the compiled CLI (dist/cli.js) with plain node,
// building first only what is missing or stale: the server always, the web app for `serve`. The
// builds run in a child process so their tools never sit in the server's memory; the CLI is then
// loaded into this process, so signals reach the server directly.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, serverStale, webStale } from './build.mjs';

const serve = process.argv[2] === 'serve';
const stale = [serverStale() && 'server', serve && webStale() && 'web'].filter(Boolean);
if (stale.length > 0) {
  const what = stale.length === 2 ? 'all' : stale[0];
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), what, '--if-stale'], {
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
await import(pathToFileURL(path.join(root, 'dist/cli.js')).href);
