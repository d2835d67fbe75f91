import { defineConfig } from 'vite';

// Two pages, two entry points: the fan's page never loads the operator's chart library.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: { fan: 'index.html', admin: 'admin.html' } },
  },
  server: {
    // `pnpm --filter @concert/web dev`: the APIs of `scripts/start.sh`, under this origin as in production.
    proxy: {
      '/gateway': { target: 'http://127.0.0.1:3000', rewrite: (p) => p.replace(/^\/gateway/, '') },
      '/booking': { target: 'http://127.0.0.1:3001', rewrite: (p) => p.replace(/^\/booking/, '') },
    },
  },
});
