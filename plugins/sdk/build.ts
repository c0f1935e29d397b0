// `race plugins build <dir>`: one plugin folder → dist/plugin.js (one CommonJS bundle),
// dist/manifest.json (validated) and the bundle's content hash. The build lowers what one
// engine lacks: `**` becomes Math.pow (so it uses the shared libm), the target is one both
// QuickJS and V8 parse (no `using`), and Node built-ins are refused.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve } from 'node:path';
import type { Plugin as EsbuildPlugin } from 'esbuild';
import { PluginManifest } from '../../src-shared/plugins/manifest.ts';
import { describeIssues } from '../../src-main/app/dispatch.ts';

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

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function readManifest(dir: string): PluginManifest {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new PluginBuildError(`${path}: missing (every plugin folder has a manifest.json)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PluginBuildError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  // dist/manifest.json carries the bundle's hash beside the author's fields
  if (raw && typeof raw === 'object' && 'hash' in raw) {
    const { hash: _hash, ...rest } = raw as Record<string, unknown>;
    raw = rest;
  }
  const parsed = PluginManifest.safeParse(raw);
  if (!parsed.success) throw new PluginBuildError(`${path}: ${describeIssues(parsed.error.issues).text}`);
  return parsed.data;
}

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

/** A built plugin folder (dist/) as the app installs it: the hash must match the bundle. */
export function readBuiltPlugin(dirArg: string): { manifest: PluginManifest; code: string; hash: string } {
  const dir = resolve(dirArg);
  const dist = existsSync(join(dir, 'dist', 'plugin.js')) ? join(dir, 'dist') : dir;
  const bundlePath = join(dist, 'plugin.js');
  if (!existsSync(bundlePath)) throw new PluginBuildError(`${dir}: no built plugin (dist/plugin.js): run \`race plugins build ${dirArg}\` first`);
  const code = readFileSync(bundlePath, 'utf8');
  const manifest = readManifest(dist === dir ? dir : dist);
  const declared = (JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8')) as { hash?: string }).hash;
  const hash = sha256Hex(code);
  if (declared && declared !== hash) throw new PluginBuildError(`${bundlePath}: content hash ${hash.slice(0, 12)}… does not match the manifest's ${declared.slice(0, 12)}…`);
  return { manifest, code, hash };
}
