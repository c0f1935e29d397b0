// Reading a plugin folder as the app installs it: the manifest (validated) and the built
// bundle, whose content hash must match what the build recorded. No build tools needed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RaceError } from '../../src-shared/errors.ts';
import { PluginManifest } from '../../src-shared/plugins/manifest.ts';
import { describeIssues } from '../app/dispatch.ts';

export class PluginPackageError extends RaceError {
  constructor(message: string) {
    super('BAD_ARGS', message);
    this.name = 'PluginPackageError';
  }
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function readManifest(dir: string): PluginManifest {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new PluginPackageError(`${path}: missing (every plugin folder has a manifest.json)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PluginPackageError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  // dist/manifest.json carries the bundle's hash beside the author's fields
  if (raw && typeof raw === 'object' && 'hash' in raw) {
    const { hash: _hash, ...rest } = raw as Record<string, unknown>;
    raw = rest;
  }
  const parsed = PluginManifest.safeParse(raw);
  if (!parsed.success) throw new PluginPackageError(`${path}: ${describeIssues(parsed.error.issues).text}`);
  return parsed.data;
}

/** A built plugin folder: `<dir>/dist/{plugin.js,manifest.json}`, or those two files in `<dir>`. */
export function readBuiltPlugin(dirArg: string): { manifest: PluginManifest; code: string; hash: string } {
  const dir = resolve(dirArg);
  const dist = existsSync(join(dir, 'dist', 'plugin.js')) ? join(dir, 'dist') : dir;
  const bundlePath = join(dist, 'plugin.js');
  if (!existsSync(bundlePath)) throw new PluginPackageError(`${dir}: no built plugin (dist/plugin.js): run \`race plugins build ${dirArg}\` first`);
  const code = readFileSync(bundlePath, 'utf8');
  const manifest = readManifest(dist);
  const declared = (JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8')) as { hash?: string }).hash;
  const hash = sha256Hex(code);
  if (declared !== undefined && declared !== hash) {
    throw new PluginPackageError(`${bundlePath}: content hash ${hash.slice(0, 12)}… does not match the manifest's ${String(declared).slice(0, 12)}… (was the bundle edited after the build?)`);
  }
  return { manifest, code, hash };
}
