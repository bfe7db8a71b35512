import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';

// The console is built into dist/ and served by the gateway at / (libs/gateway console.ts).
// Each view is its own chunk (React.lazy), so the first load carries only the shell.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  // The one shared library the console runs (the rest it uses for types only): areas and map drawing.
  resolve: { alias: { '@duban/geo': resolve(import.meta.dirname, '../../libs/geo/src/index.ts') } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 500 },
});
