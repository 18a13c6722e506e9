// The service worker of the CBU CMMS web app (ours, no library; served from web/dist at /sw.js).
// It makes the app open without a connection and show what was last loaded:
// - the app shell (index.html and the hashed /assets/ files) is cached at install and kept fresh;
// - page navigations go to the network first and fall back to the cached shell;
// - API reads (GET /api/...) go to the network first; each answer is kept, and without a
//   connection the last kept answer is served, so lists and instrument pages still show.
// Writes are never cached or replayed here: the page's outbox (lib/offline-queue.ts) owns them.
// The kept API answers belong to the person logged in: the page asks to drop them at logout.

const SHELL = 'cmms-shell-v1';
const DATA = 'cmms-data-v1';
// Trend and list URLs carry moving time windows, so kept answers would pile up over a shift:
// keep the most recent ones only (Cache keys come back oldest first).
const MAX_DATA_ENTRIES = 400;
const SHELL_FILES = [
  '/',
  '/manifest.webmanifest',
  '/favicon.svg',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      await cache.addAll(SHELL_FILES);
      // The bundle the shell loads: its file names are hashed, so read them from index.html.
      const html = await (await cache.match('/')).text();
      const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
      await cache.addAll(assets);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== SHELL && key !== DATA) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'clear-data') event.waitUntil(caches.delete(DATA));
});

async function trim(cache) {
  const keys = await cache.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_DATA_ENTRIES))) await cache.delete(old);
}

/** Network first; a good answer is kept under `key`; without a network, the kept one. */
async function networkFirst(request, cacheName, key) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok) {
      // A re-put moves the entry to the end, so the recently used survive trimming.
      await cache.delete(key ?? request);
      await cache.put(key ?? request, response.clone());
      if (cacheName === DATA) await trim(cache);
    }
    return response;
  } catch (error) {
    const kept = await cache.match(key ?? request, { ignoreVary: true });
    if (kept) return kept;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(SHELL);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

// Files and one-off answers that must not be kept: downloads, exports, login and session calls.
function keepable(url) {
  if (url.searchParams.has('access_token') || url.searchParams.has('export')) return false;
  if (url.pathname.startsWith('/api/auth/') || url.pathname.startsWith('/api/jobs/')) return false;
  return !/\.(pdf|csv)$/.test(url.pathname);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    // Every client route is the same index.html: keep it under '/'.
    event.respondWith(networkFirst(request, SHELL, '/'));
  } else if (url.pathname.startsWith('/assets/')) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname.startsWith('/api/')) {
    if (keepable(url)) event.respondWith(networkFirst(request, DATA));
  } else if (SHELL_FILES.includes(url.pathname)) {
    event.respondWith(networkFirst(request, SHELL));
  }
});
