/// <reference types="vite/client" />
// Installs the service worker (web/public/sw.js) in the built app, and drops the API answers it
// kept for offline use when a session ends (the next person at this tablet must not see them).

export function registerServiceWorker() {
  // Not under the vite dev server (import.meta.hot exists only there): a cached shell would hide edits.
  if (import.meta.hot || !('serviceWorker' in navigator)) return;
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch((e: unknown) => {
      // The app works without it, only not offline.
      console.warn('service worker not registered', e);
    });
  });
}

export function clearOfflineData() {
  navigator.serviceWorker?.controller?.postMessage({ type: 'clear-data' });
}
