// `race plugins build <dir>`: one plugin folder → dist/plugin.js (one CommonJS bundle),
// dist/manifest.json (validated) and the bundle's content hash. The build lowers what one
// engine lacks: `**` becomes Math.pow (so it uses the shared libm), the target is one both
// QuickJS and V8 parse (no `using`), and Node built-ins are refused.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve } from 'node:path';
import type { Plugin as EsbuildPlugin } from 'esbuild';
import type { PluginManifest } from '../../src-shared/plugins/manifest.ts';

export interface BuiltPlugin {
  dir: string;
  manifest: PluginManifest;
  code: string;
  hash: string;
  bundlePath: string;
  manifestPath: string;
}

export class PluginBuildError extends Error {
  override name = 'PluginBuildError';
}

export { readBuiltPlugin } from '../../src-main/plugins/install.ts';

const ENTRY_CANDIDATES = ['src/index.ts', 'index.ts', 'src/index.js', 'index.js'];
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function rejectHostModules(): EsbuildPlugin {
  return {
    name: 'race-reject-host-modules',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'dynamic-import') {
          return { errors: [{ text: `dynamic import("${args.path}") is not available: a plugin is one self-contained bundle` }] };
        }
        if (NODE_BUILTINS.has(args.path) || args.path.startsWith('node:')) {
          return { errors: [{ text: `plugins cannot import the Node built-in "${args.path}": they run sandboxed in QuickJS and V8, with only the host object` }] };
        }
        return undefined;
      });
    },
  };
}

export { readManifest } from '../../src-main/plugins/install.ts';
export { sha256Hex } from '../../src-main/platform/sha256.ts';
import { readManifest } from '../../src-main/plugins/install.ts';
import { sha256Hex } from '../../src-main/platform/sha256.ts';

export async function buildPlugin(dirArg: string, options: { write?: boolean } = {}): Promise<BuiltPlugin> {
  const dir = resolve(dirArg);
  const manifest = readManifest(dir);
  const entry = ENTRY_CANDIDATES.map((e) => join(dir, e)).find((p) => existsSync(p));
  if (!entry) throw new PluginBuildError(`${dir}: no entry point (looked for ${ENTRY_CANDIDATES.join(', ')})`);
  const esbuild = await import('esbuild');
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      target: 'es2022',
      supported: { 'exponent-operator': false },
      legalComments: 'none',
      charset: 'utf8',
      logLevel: 'silent',
      plugins: [rejectHostModules()],
    });
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors ?? [];
    const text = errors.length
      ? errors.map((x) => (x.location ? `${x.location.file}:${x.location.line}:${x.location.column}: ${x.text}` : x.text)).join('\n')
      : (e as Error).message;
    throw new PluginBuildError(`${relative(process.cwd(), dir) || dir}: build failed\n${text}`);
  }
  const code = result.outputFiles[0]!.text;
  const hash = sha256Hex(code);
  const dist = join(dir, 'dist');
  const bundlePath = join(dist, 'plugin.js');
  const manifestPath = join(dist, 'manifest.json');
  if (options.write !== false) {
    mkdirSync(dist, { recursive: true });
    writeFileSync(bundlePath, code);
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, hash }, null, 2) + '\n');
  }
  return { dir, manifest, code, hash, bundlePath, manifestPath };
}

