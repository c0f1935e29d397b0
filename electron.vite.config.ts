import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { CONTENT_SECURITY_POLICY_META } from './src-shared/csp.ts';

const root = import.meta.dirname;

/** The renderer's CSP meta tag, from the one policy in src-shared (dev adds what HMR needs). */
function contentSecurityPolicy(): Plugin {
  let dev = false;
  return {
    name: 'race-csp',
    configResolved(config) {
      dev = config.command === 'serve';
    },
    transformIndexHtml() {
      const policy = dev
        ? CONTENT_SECURITY_POLICY_META.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
            "connect-src 'self'",
            "connect-src 'self' ws:",
          )
        : CONTENT_SECURITY_POLICY_META;
      return [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: policy }, injectTo: 'head-prepend' }];
    },
  };
}

export default defineConfig({
  main: {
    build: {
      // "dependencies" (better-sqlite3, isolated-vm, quickjs-emscripten, zod) stay external:
      // native prebuilds and the QuickJS .wasm load from node_modules at run time.
      lib: { entry: { index: resolve(root, 'src-main/electron/main.ts') } },
    },
  },
  preload: {
    build: {
      lib: { entry: { index: resolve(root, 'src-preload/index.ts') } },
      // A sandboxed preload can require nothing but 'electron': bundle zod into it.
      externalizeDeps: { exclude: ['zod'] },
      // Sandboxed preloads must be CommonJS; "type": "module" would otherwise give ESM.
      rolldownOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    build: {
      rolldownOptions: { input: resolve(root, 'src-renderer/index.html') },
    },
    plugins: [react(), contentSecurityPolicy()],
  },
});
