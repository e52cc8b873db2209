import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * Builds the web app into `dist/`, which `vigil api` serves at `/`. No inline scripts or styles
 * end up in the output (the API's CSP forbids them), and no source maps (the app is open source;
 * the maps would only double what every browser downloads).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // One entry, no preload polyfill (every browser the dashboard supports has modulepreload).
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
  logLevel: 'warn',
});
