// Waiting in tests: an integration test waits for an outcome (a row, a counter, a job state), never
// for a fixed time. Every wait has a timeout and says what it waited for when it gives up.
import type { TestApp } from './test-app.ts';

export interface WaitOptions {
  /** Give up after this long (default 20 s). */
  timeoutMs?: number;
  /** Time between probes (default 50 ms). */
  intervalMs?: number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until `done(value)` holds and returns that value. An error thrown by the probe counts
 * as "not yet" (the thing may not exist yet); the last value or error is in the timeout message.
 */
export async function waitUntil<T>(
  probe: () => Promise<T> | T,
  done: (v: T) => boolean,
  opts: WaitOptions & { what?: string | (() => string) } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let last: { value: T } | { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await probe();
      if (done(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() > deadline) {
      const seen = !last
        ? ''
        : 'error' in last
          ? `: ${String(last.error)}`
          : `: ${JSON.stringify(last.value)}`;
      // A function describes the wait from what it knows at the timeout (a child's log, say).
      const what = typeof opts.what === 'function' ? opts.what() : (opts.what ?? 'condition');
      throw new Error(`timed out waiting for ${what}${seen}`);
    }
    await pause(opts.intervalMs ?? 50);
  }
}

/** Polls `fn` until it returns something truthy and returns it. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  opts: number | WaitOptions = {},
): Promise<T> {
  const o = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  return (await waitUntil(fn, (v) => Boolean(v), { ...o, what })) as T;
}

/** Waits until a background job reaches one of the `done` states and returns its body. */
export async function waitForJob(
  t: Pick<TestApp, 'api'>,
  id: number,
  opts: WaitOptions & { token?: string; done?: string[] } = {},
): Promise<Record<string, any>> {
  const done = opts.done ?? ['succeeded', 'failed'];
  // A status other than 200 is an answer too (the test is wrong, or the job is not visible): fail at once.
  const res = await waitUntil(
    () => t.api('GET', `/api/jobs/${id}`, opts.token ? { token: opts.token } : {}),
    (r) => r.status !== 200 || done.includes(r.body.status),
    { timeoutMs: 60_000, ...opts, what: `job ${id} to reach ${done.join('/')}` },
  );
  if (res.status !== 200) throw new Error(`GET /api/jobs/${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, any>;
}
