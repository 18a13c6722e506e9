// Runs inside a worker thread (compiled: loaded directly; from sources: by worker-bootstrap.mjs):
// imports the task module, calls the named export with the input and a progress reporter, and posts
// the outcome to the parent.
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerMessage, WorkerTask } from './worker-thread.ts';

const task = workerData as WorkerTask;
const post = (m: WorkerMessage) => parentPort!.postMessage(m);

try {
  const mod = (await import(task.moduleUrl)) as Record<string, unknown>;
  const fn = mod[task.exportName];
  if (typeof fn !== 'function') throw new Error(`${task.moduleUrl} has no function ${task.exportName}`);
  const value = await fn(task.input, {
    progress: (p: number) => post({ kind: 'progress', value: p }),
  });
  post({ kind: 'result', value });
} catch (e) {
  const err = e instanceof Error ? e : new Error(String(e));
  post({ kind: 'error', message: err.message, name: err.name, stack: err.stack ?? null });
}
