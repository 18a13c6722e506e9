import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The SPA builds to web/dist, which the API server serves at / (no CDN: plants are often
// air-gapped, so every asset is bundled). `npm run dev:web` proxies the API to a running server.
const apiTarget = process.env.CMMS_API_URL ?? 'http://127.0.0.1:8300';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: path.join(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    port: 5173,
    proxy: { '/api': apiTarget, '/health': apiTarget },
  },
});
