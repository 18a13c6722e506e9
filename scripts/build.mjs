// Builds the server (src -> dist, one .js per .ts by esbuild) and the web app (web -> web/dist, by
// vite), and tells whether either is stale. Plain JavaScript: `npm start` runs it before anything
// can load TypeScript.
//
//   node scripts/build.mjs [server|web|all] [--if-stale]
//
// Stale = the output is missing, or a source (or a folder: catches deleted files) changed after the
// last build of it started. Every build writes a stamp with its start time and, for the web app,
// the files outside web/ the bundle was made of (e.g. server modules the SPA imports).
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const root = path.resolve(import.meta.dirname, '..');
const STAMP = '.build-info.json';

/** Newest modification time under `p` (files and folders), skipping what `skip` rejects. */
export function newestMtime(p, skip = () => false) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const name of readdirSync(p)) {
    const child = path.join(p, name);
    if (!skip(child)) m = Math.max(m, newestMtime(child, skip));
  }
  return m;
}

function readStamp(dir) {
  try {
    return JSON.parse(readFileSync(path.join(dir, STAMP), 'utf8'));
  } catch {
    return null;
  }
}

// Tests and notes do not change the compiled server.
const notServerCode = (p) => p.endsWith('.test.ts') || p.endsWith('.md');

/** What the compiled server is made of. */
function serverSources(base) {
  return [
    { path: path.join(base, 'src'), skip: notServerCode },
    { path: path.join(base, 'tsconfig.json') },
    { path: path.join(base, 'scripts/build.mjs') },
  ];
}

/** What the web bundle is made of (the files it imported from outside web/ come from its stamp). */
function webSources(base, stamp) {
  return [
    { path: path.join(base, 'web/src') },
    { path: path.join(base, 'web/public') },
    { path: path.join(base, 'web/index.html') },
    { path: path.join(base, 'web/vite.config.ts') },
    { path: path.join(base, 'package-lock.json') },
    ...(stamp?.sources ?? []).map((rel) => ({ path: path.join(base, rel) })),
  ];
}

/**
 * Why `out` needs building, or null when it is up to date. Without a stamp (built by other means,
 * e.g. vite directly) the build time is the mtime of `marker`.
 */
export function staleReason(out, marker, sources) {
  const markerFile = path.join(out, marker);
  if (!existsSync(markerFile)) return `${path.relative(root, markerFile)} is missing`;
  const stamp = readStamp(out);
  const builtAt = stamp?.startedAt ?? statSync(markerFile).mtimeMs;
  for (const s of typeof sources === 'function' ? sources(stamp) : sources) {
    if (newestMtime(s.path, s.skip) > builtAt) return `${path.relative(root, s.path)} changed`;
  }
  return null;
}

export const serverStale = (base = root) =>
  staleReason(path.join(base, 'dist'), 'cli.js', serverSources(base));
export const webStale = (base = root) =>
  staleReason(path.join(base, 'web/dist'), 'index.html', (stamp) => webSources(base, stamp));

/**
 * src/**.ts -> <outDir>/**.js, one file each, relative imports rewritten from .ts to .js; other
 * files (word lists, ...) copied. Built beside the output and swapped in, so a running server never
 * sees a half-written dist/.
 */
export async function buildServer(base = root, outDir = path.join(base, 'dist')) {
  const { build } = await import('esbuild');
  const startedAt = Date.now();
  const src = path.join(base, 'src');
  const tmp = `${outDir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const files = readdirSync(src, { recursive: true }).map(String);
  const entryPoints = files
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => path.join(src, f));
  await build({
    entryPoints,
    outdir: tmp,
    outbase: src,
    // bundle + every import external = one output per source, with the imports rewritten below.
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
    absWorkingDir: base,
    plugins: [
      {
        name: 'rewrite-ts-imports',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (a) =>
            a.kind === 'entry-point'
              ? undefined
              : { path: a.path.startsWith('.') ? a.path.replace(/\.ts$/, '.js') : a.path, external: true },
          );
        },
      },
    ],
  });
  for (const f of files) {
    const from = path.join(src, f);
    if (/\.(ts|md)$/.test(f) || statSync(from).isDirectory()) continue;
    mkdirSync(path.dirname(path.join(tmp, f)), { recursive: true });
    copyFileSync(from, path.join(tmp, f));
  }
  writeFileSync(path.join(tmp, STAMP), JSON.stringify({ startedAt, files: entryPoints.length }));
  const old = `${outDir}.${process.pid}.old`;
  if (existsSync(outDir)) renameSync(outDir, old);
  renameSync(tmp, outDir);
  rmSync(old, { recursive: true, force: true });
  return { files: entryPoints.length, ms: Date.now() - startedAt };
}

/** vite build of the SPA, recording the files it used from outside web/ (for the next stale check). */
export async function buildWeb(base = root) {
  const { build } = await import('vite');
  const startedAt = Date.now();
  const used = new Set();
  const web = path.join(base, 'web') + path.sep;
  await build({
    configFile: path.join(base, 'web/vite.config.ts'),
    logLevel: 'warn',
    plugins: [
      {
        name: 'record-sources',
        transform(_code, id) {
          const file = id.split('?')[0];
          if (
            path.isAbsolute(file) &&
            !file.startsWith(web) &&
            !file.includes(`${path.sep}node_modules${path.sep}`)
          )
            used.add(path.relative(base, file));
          return null;
        },
      },
    ],
  });
  const sources = [...used].filter((rel) => !rel.startsWith('..')).sort();
  writeFileSync(path.join(base, 'web/dist', STAMP), JSON.stringify({ startedAt, sources }));
  return { ms: Date.now() - startedAt, sources };
}

async function main(args) {
  const ifStale = args.includes('--if-stale');
  const what = args.find((a) => !a.startsWith('--')) ?? 'all';
  if (!['server', 'web', 'all'].includes(what))
    throw new Error('usage: node scripts/build.mjs [server|web|all] [--if-stale]');
  if (what !== 'web') {
    const why = ifStale ? serverStale() : 'asked';
    if (why) {
      const r = await buildServer();
      console.log(`built the server (${why}): ${r.files} modules to dist/ in ${r.ms} ms`);
    }
  }
  if (what !== 'server') {
    const why = ifStale ? webStale() : 'asked';
    if (why) {
      const r = await buildWeb();
      console.log(`built the web app (${why}) to web/dist/ in ${r.ms} ms`);
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`build failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
