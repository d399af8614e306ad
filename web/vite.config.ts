/**
 * The dashboard front end. Built by `npm run build:web` (`vite build web`) into web/dist, which
 * the gateway serves under /_airlock/. Preact through its own preset; no dev-only code ships.
 */
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/_airlock/',
  plugins: [preact()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One small bundle: the pages share nearly all their code.
    chunkSizeWarningLimit: 300,
    reportCompressedSize: false,
  },
  server: {
    // `npx vite web` for front-end work: the API comes from a gateway on the default port.
    proxy: { '/_airlock/api': 'http://127.0.0.1:8789', '/_airlock/login': 'http://127.0.0.1:8789' },
  },
});
