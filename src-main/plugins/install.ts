// Reading a plugin folder as the app installs it: the manifest (validated) and the built
// bundle, whose content hash must match what the build recorded. No build tools needed.
import { sha256Hex } from '../platform/sha256.ts';
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

/** A manifest as the author or the build wrote it (a dist manifest carries the bundle's hash too). */
function parseManifest(raw: unknown, where: string): { manifest: PluginManifest; declaredHash: string | undefined } {
  let declaredHash: string | undefined;
  if (raw && typeof raw === 'object' && !Array.isArray(raw) && 'hash' in raw) {
    const { hash, ...rest } = raw as Record<string, unknown>;
    if (typeof hash !== 'string') throw new PluginPackageError(`${where}: hash: expected the bundle's sha256 as a string`);
    declaredHash = hash;
    raw = rest;
  }
  const parsed = PluginManifest.safeParse(raw);
  if (!parsed.success) throw new PluginPackageError(`${where}: ${describeIssues(parsed.error.issues).text}`);
  return { manifest: parsed.data, declaredHash };
}

/** A bundle and its manifest from anywhere (a folder, an upload): the hash must be the code's. */
export function checkBundle(rawManifest: unknown, code: string, where: string): { manifest: PluginManifest; code: string; hash: string } {
  const { manifest, declaredHash } = parseManifest(rawManifest, where);
  const hash = sha256Hex(code);
  if (declaredHash !== undefined && declaredHash !== hash) {
    throw new PluginPackageError(`${where}: content hash ${hash.slice(0, 12)}… does not match the manifest's ${declaredHash.slice(0, 12)}… (was the bundle edited after the build?)`);
  }
  return { manifest, code, hash };
}

function readJson(path: string): unknown {
  if (!existsSync(path)) throw new PluginPackageError(`${path}: missing (every plugin folder has a manifest.json)`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PluginPackageError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

export function readManifest(dir: string): PluginManifest {
  const path = join(dir, 'manifest.json');
  return parseManifest(readJson(path), path).manifest;
}

/** A built plugin folder: `<dir>/dist/{plugin.js,manifest.json}`, or those two files in `<dir>`. */
export function readBuiltPlugin(dirArg: string): { manifest: PluginManifest; code: string; hash: string } {
  const dir = resolve(dirArg);
  const dist = existsSync(join(dir, 'dist', 'plugin.js')) ? join(dir, 'dist') : dir;
  const bundlePath = join(dist, 'plugin.js');
  if (!existsSync(bundlePath)) throw new PluginPackageError(`${dir}: no built plugin (dist/plugin.js): run \`race plugins build ${dirArg}\` first`);
  const manifestPath = join(dist, 'manifest.json');
  try {
    return checkBundle(readJson(manifestPath), readFileSync(bundlePath, 'utf8'), manifestPath);
  } catch (e) {
    // the hash mismatch is about the bundle file: name it
    if (e instanceof PluginPackageError && e.message.includes('content hash')) throw new PluginPackageError(e.message.replace(manifestPath, bundlePath));
    throw e;
  }
}
