import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The console is built into dist/ and served by the gateway at / (libs/gateway console.ts).
// Each view is its own chunk (React.lazy), so the first load carries only the shell.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 500 },
});
