// Module boundaries (docs/architecture.md "Modules and workflows"): the domain folders of src/ import
// each other without a cycle, and each table has one writer, its owning module. Flows that span
// modules live in src/workflows/ and call the owners' public functions in one transaction.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const src = path.resolve(import.meta.dirname, '../../src');

/**
 * Files that are not part of a domain's layering: the composition (root files such as main.ts and
 * context.ts, http/), the database layer, cross-cutting helpers (shared/), and route plugins, the
 * HTTP edge that http/routes.ts composes, which may call any service or workflow.
 */
const EDGE_FOLDERS = new Set(['http', 'db', 'shared']);
const isRouteFile = (file: string) => /(^|[-/])routes\.ts$/.test(file);

/** Module pairs importing each other, each with why it is still so. Shrink it; never grow it. */
const KNOWN_CYCLES: Record<string, string> = {
  'gateways <-> ingestion':
    'ingestion-runtime.ts wires the gateways broker logins into the broker whose BrokerAccess port they implement',
};

/** Writes to another module's table still to move behind the owner's functions (outside issue 12 part 3). */
const KNOWN_FOREIGN_WRITES: Record<string, string> = {};

function sourceFiles(): string[] {
  return readdirSync(src, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.split(path.sep).join('/'));
}

/** The domain folder a file belongs to, or null for the composition, infrastructure and edge. */
function moduleOf(file: string): string | null {
  const [top, ...rest] = file.split('/');
  if (rest.length === 0 || EDGE_FOLDERS.has(top)) return null;
  return top;
}

function importsOf(file: string): string[] {
  const text = readFileSync(path.join(src, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    out.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1])));
  }
  return out;
}

/** Module -> modules it imports, with one file that does, for the message. */
function moduleGraph() {
  const graph = new Map<string, Map<string, string>>();
  for (const file of sourceFiles()) {
    const from = moduleOf(file);
    if (!from || isRouteFile(file)) continue;
    for (const target of importsOf(file)) {
      const to = moduleOf(target);
      if (!to || to === from) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      graph.get(from)?.set(to, `${file} imports ${target}`);
    }
  }
  return graph;
}

/** The strongly connected components of more than one module (Tarjan). */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop() as string;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) out.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** Route files that call `.emit(` on the event bus: services emit, after commit (AfterCommit). */
function routeEmits(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles().filter(isRouteFile)) {
    const lines = readFileSync(path.join(src, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (/\.emit\s*\(/.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  }
  return found;
}

describe('module boundaries', () => {
  it('route handlers emit no domain event: the service that makes the change does, after commit', () => {
    expect(sourceFiles().filter(isRouteFile).length).toBeGreaterThan(20);
    expect(routeEmits()).toEqual([]);
  });

  it('no two domain modules import each other, directly or round a longer loop', () => {
    const graph = moduleGraph();
    const found = cycles(graph).map((c) => {
      const edges = c.flatMap((a) =>
        c.filter((b) => graph.get(a)?.has(b)).map((b) => `  ${a} -> ${b}: ${graph.get(a)?.get(b)}`),
      );
      return { key: c.join(' <-> '), edges };
    });
    const unexpected = found.filter((f) => !(f.key in KNOWN_CYCLES));
    expect(unexpected.map((f) => `${f.key}\n${f.edges.join('\n')}`)).toEqual([]);
    // A known cycle that is gone comes off the list.
    expect(Object.keys(KNOWN_CYCLES).filter((k) => !found.some((f) => f.key === k))).toEqual([]);
  });

  it('each table is written by one module, its owner', () => {
    const writers = new Map<string, Map<string, string>>();
    for (const file of sourceFiles()) {
      const mod = moduleOf(file);
      // Migrations and the demo seed write every table by design.
      if (!mod || mod === 'seed') continue;
      const text = readFileSync(path.join(src, file), 'utf8');
      for (const m of text.matchAll(/\.(?:insertInto|updateTable|deleteFrom)\(\s*'([a-z_0-9]+)'/g)) {
        if (!writers.has(m[1])) writers.set(m[1], new Map());
        writers.get(m[1])?.set(mod, file);
      }
    }
    const shared: string[] = [];
    const foreign = new Set<string>();
    for (const [table, mods] of writers) {
      if (mods.size === 1) continue;
      const known = [...mods.keys()].filter((m) => `${m} -> ${table}` in KNOWN_FOREIGN_WRITES);
      for (const m of known) foreign.add(`${m} -> ${table}`);
      if (mods.size - known.length > 1) {
        shared.push(`${table}: ${[...mods].map(([m, f]) => `${m} (${f})`).join(', ')}`);
      }
    }
    expect(shared).toEqual([]);
    expect(Object.keys(KNOWN_FOREIGN_WRITES).filter((k) => !foreign.has(k))).toEqual([]);
  });
});
