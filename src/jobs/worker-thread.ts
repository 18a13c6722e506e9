import { Worker } from 'node:worker_threads';

/** What a task function running in a worker thread receives besides its input. */
export interface WorkerTools {
  /** Fraction done, 0-1 (forwarded to the caller's onProgress). */
  progress(p: number): void;
}

export interface WorkerTask {
  moduleUrl: string;
  exportName: string;
  input: unknown;
}

export type WorkerMessage =
  | { kind: 'progress'; value: number }
  | { kind: 'result'; value: unknown }
  | { kind: 'error'; message: string; name: string; stack: string | null };

/** The task failed inside the worker; the message is the worker's own. */
export class WorkerTaskError extends Error {
  override name = 'WorkerTaskError';
}

// Compiled (dist/, by scripts/build.mjs) this file is .js: a worker loads the compiled entry and task
// modules with plain node. From sources (tests, tsx) it starts from a bootstrap that registers tsx.
const COMPILED = import.meta.url.endsWith('.js');
const ENTRY = new URL(COMPILED ? './worker-entry.js' : './worker-bootstrap.mjs', import.meta.url);

/**
 * Task modules are named by their source URL (`new URL('./task.ts', import.meta.url)`); compiled,
 * the module beside the caller is the .js one.
 */
export function taskModuleUrl(moduleUrl: URL | string, compiled = COMPILED): string {
  const url = String(moduleUrl);
  return compiled && url.startsWith('file:') ? url.replace(/\.ts$/, '.js') : url;
}

/**
 * Runs `export function <exportName>(input, tools)` of a module in a fresh worker thread, so CPU-heavy
 * work (training, large exports) never blocks the HTTP server's event loop. Input and result cross by
 * structured clone (plain data only). Aborting the signal terminates the thread at once.
 */
export function runInWorker<T>(
  moduleUrl: URL | string,
  exportName: string,
  input: unknown,
  opts: { onProgress?: (p: number) => void; signal?: AbortSignal } = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new WorkerTaskError('aborted before start'));
      return;
    }
    const task: WorkerTask = { moduleUrl: taskModuleUrl(moduleUrl), exportName, input };
    // execArgv [] : from sources the bootstrap registers the loader itself; inherited flags (vitest's,
    // --import tsx) only get in the way in a worker.
    const worker = new Worker(ENTRY, { workerData: task, execArgv: [] });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => finish(() => reject(new WorkerTaskError('aborted')));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'progress') opts.onProgress?.(m.value);
      else if (m.kind === 'result') finish(() => resolve(m.value as T));
      else finish(() => reject(new WorkerTaskError(m.message)));
    });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) =>
      finish(() => reject(new WorkerTaskError(`worker thread exited with code ${code} before answering`))),
    );
  });
}
