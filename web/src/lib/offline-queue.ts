import { useEffect, useSyncExternalStore } from 'react';
import { ApiError, apiRequest, errorText } from './api-client.ts';
import { getSessionUser } from './session.ts';

// The outbox for field work done without a connection: calibration and maintenance entries made
// offline are kept in IndexedDB (they survive a reload or a flat battery) and sent, oldest first,
// when the connection returns. An entry the server refuses (4xx, e.g. a calibration that conflicts
// with a newer one) stays in the outbox marked "refused" with the server's words, for the person
// to read and discard: it is never silently dropped or retried forever.

export type OutboxKind = 'maintenance' | 'calibration';

export interface OutboxEntry {
  id: number;
  kind: OutboxKind;
  /** The API path it is POSTed to. */
  path: string;
  body: unknown;
  /** What it is, in words ("Inspection on PT-101"). */
  label: string;
  userId: number;
  createdAt: string;
  status: 'pending' | 'refused';
  error: string | null;
}

const DB_NAME = 'cbu-cmms-offline';
const STORE = 'outbox';

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function withStore<T>(mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = run(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

// A snapshot the UI subscribes to.
let snapshot: { entries: OutboxEntry[]; online: boolean; sending: boolean } = {
  entries: [],
  online: typeof navigator === 'undefined' ? true : navigator.onLine,
  sending: false,
};
const listeners = new Set<() => void>();
function publish(patch: Partial<typeof snapshot>) {
  snapshot = { ...snapshot, ...patch };
  for (const l of listeners) l();
}

export async function refreshOutbox() {
  const all = await withStore<OutboxEntry[]>('readonly', (s) => s.getAll() as IDBRequest<OutboxEntry[]>);
  const me = getSessionUser()?.id;
  publish({ entries: all.filter((e) => e.userId === me).sort((a, b) => a.id - b.id) });
}

async function put(entry: Omit<OutboxEntry, 'id'> | OutboxEntry) {
  await withStore('readwrite', (s) => s.put(entry));
  await refreshOutbox();
}

export async function discardEntry(id: number) {
  await withStore('readwrite', (s) => s.delete(id));
  await refreshOutbox();
}

/** Puts a refused entry back in line (after the cause was fixed on the server). */
export async function retryEntry(entry: OutboxEntry) {
  await put({ ...entry, status: 'pending', error: null });
  void flushOutbox();
}

export type Sent<T> = { queued: false; result: T } | { queued: true; entry: Omit<OutboxEntry, 'id'> };

/**
 * POSTs now, or, when there is no connection, keeps it in the outbox and says so. A refusal from
 * a reachable server is thrown as usual (the form shows it at once).
 */
export async function postOrQueue<T>(
  kind: OutboxKind,
  path: string,
  body: unknown,
  label: string,
): Promise<Sent<T>> {
  const queue = async (): Promise<Sent<T>> => {
    const user = getSessionUser();
    if (!user) throw new ApiError(401, 'token_expired', 'session expired');
    const entry = {
      kind,
      path,
      body,
      label,
      userId: user.id,
      createdAt: new Date().toISOString(),
      status: 'pending' as const,
      error: null,
    };
    await put(entry);
    return { queued: true, entry };
  };
  if (!navigator.onLine) return queue();
  try {
    return { queued: false, result: await apiRequest<T>(path, { method: 'POST', body }) };
  } catch (e) {
    if (e instanceof ApiError && e.code === 'network_error') return queue();
    throw e;
  }
}

let flushing: Promise<number> | null = null;

/** Sends the pending entries, oldest first; stops at the first network failure. Returns how many were sent. */
export function flushOutbox(): Promise<number> {
  flushing ??= (async () => {
    let sent = 0;
    publish({ sending: true });
    try {
      await refreshOutbox();
      for (const entry of snapshot.entries.filter((e) => e.status === 'pending')) {
        try {
          await apiRequest(entry.path, { method: 'POST', body: entry.body });
          await withStore('readwrite', (s) => s.delete(entry.id));
          sent++;
        } catch (e) {
          // Offline again, the session ended or the server is down: try later, keep the order.
          if (!(e instanceof ApiError) || e.status === 0 || e.status === 401 || e.status >= 500) break;
          await withStore('readwrite', (s) => s.put({ ...entry, status: 'refused', error: errorText(e) }));
        }
      }
      return sent;
    } finally {
      await refreshOutbox().catch(() => {});
      publish({ sending: false });
      flushing = null;
    }
  })();
  return flushing;
}

function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The outbox and the connection state, kept current. */
export function useOutbox() {
  return useSyncExternalStore(subscribe, () => snapshot);
}

/**
 * Mounted once in the layout: tracks online/offline and sends the outbox when the connection
 * returns, at start and every 30 s while entries wait (the `online` event is not always fired).
 */
export function useOutboxSync(onSent: (count: number) => void) {
  useEffect(() => {
    const flush = () =>
      void flushOutbox()
        .then((n) => n > 0 && onSent(n))
        .catch(() => {});
    const online = () => {
      publish({ online: true });
      flush();
    };
    const offline = () => publish({ online: false });
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    flush();
    const timer = setInterval(() => {
      if (navigator.onLine && snapshot.entries.some((e) => e.status === 'pending')) flush();
    }, 30_000);
    return () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
      clearInterval(timer);
    };
  }, [onSent]);
}
