import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer is a plain browser app: the same build is loaded by Electron over app://hopline
// and by web mode over http://127.0.0.1.
export default defineConfig({
  root: 'app/renderer',
  base: '/',
  plugins: [react()],
  build: {
    outDir: '../../dist/renderer',
    emptyOutDir: true,
    sourcemap: true,
    // The CSP forbids inline script; keep every asset a file of its own.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
