import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The web app takes its API types from the server's schemas by type-only imports (erased by the
// build), so no server code reaches the bundle by accident. The one deliberate exception is the
// calibration arithmetic the modal shares with the server (pure functions, no I/O).
const root = path.resolve(import.meta.dirname, '../..');
const webSrc = path.join(root, 'web/src');
const serverSrc = path.join(root, 'src') + path.sep;
const VALUE_IMPORTS_ALLOWED = new Set(['features/calibration/calibration-math.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** Every import or re-export of a server module in a file: whether it is type-only. */
function serverImports(file: string): { spec: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  const found: { spec: string; typeOnly: boolean }[] = [];
  const fromServer = (spec: string) =>
    spec.startsWith('.') && path.resolve(path.dirname(file), spec).startsWith(serverSrc);
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
    if (fromServer(m[3])) found.push({ spec: m[3], typeOnly: Boolean(m[2]) });
  }
  for (const m of text.matchAll(/(typeof\s+)?import\(\s*'([^']+)'\s*\)/g)) {
    if (fromServer(m[2])) found.push({ spec: m[2], typeOnly: Boolean(m[1]) });
  }
  return found;
}

describe('web app imports of server code', () => {
  it('are type-only (erased by the build), except the shared calibration arithmetic', () => {
    const offending: string[] = [];
    let typeImports = 0;
    for (const file of sources(webSrc)) {
      const rel = path.relative(webSrc, file).split(path.sep).join('/');
      for (const imp of serverImports(file)) {
        if (imp.typeOnly) typeImports++;
        else if (!VALUE_IMPORTS_ALLOWED.has(rel)) offending.push(`${rel}: ${imp.spec}`);
      }
    }
    expect(offending).toEqual([]);
    // The API types do come from the server (web/src/lib/api-types.ts).
    expect(typeImports).toBeGreaterThan(20);
  });
});
