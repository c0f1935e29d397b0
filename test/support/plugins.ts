// Building plugins for tests: first-party plugins from plugins/<id>, and throwaway ones
// written into a temp folder (the hostile corpus), through the real SDK build.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPlugin } from '../../plugins/sdk/build.ts';
import type { PluginManifestInput } from '../../src-shared/plugins/manifest.ts';
import { openDatabase } from '../../src-main/store/database.ts';
import { PluginService, type PluginBundle, type PluginServiceOptions } from '../../src-main/plugins/service.ts';

export const PLUGINS_DIR = join(import.meta.dirname, '../../plugins');

const built = new Map<string, Promise<PluginBundle>>();

/** A first-party plugin, built once per test file (without writing dist/). */
export function firstParty(id: string): Promise<PluginBundle> {
  let p = built.get(id);
  if (!p) {
    p = buildPlugin(join(PLUGINS_DIR, id), { write: false });
    built.set(id, p);
  }
  return p;
}

let counter = 0;
/** Builds a plugin from source text (an index.ts) and a manifest, in `dir`. */
export async function pluginFromSource(dir: string, manifest: Partial<PluginManifestInput> & { id: string }, source: string): Promise<PluginBundle> {
  const folder = join(dir, `${manifest.id}-${++counter}`);
  mkdirSync(folder, { recursive: true });
  const full: PluginManifestInput = { name: manifest.id, version: '1.0.0', apiVersion: 1, interfaces: ['math'], ...manifest } as PluginManifestInput;
  writeFileSync(join(folder, 'manifest.json'), JSON.stringify(full));
  writeFileSync(join(folder, 'index.ts'), source);
  return buildPlugin(folder, { write: false });
}

/** A service over a fresh database file in `dir`. */
export function serviceIn(dir: string, options: Partial<PluginServiceOptions> = {}): PluginService {
  const db = openDatabase(join(dir, `plugins-${++counter}.db`));
  return new PluginService({ db, ...options });
}

// (where parity and channel tests compare values bit for bit)
export { bits, exact } from './bits.ts';

/** A synthetic lap: RPM climbing through the gears, with noise and a few dropped samples. */
export function syntheticLap(samples = 6000, rateHz = 100): { rateHz: number; rpm: Float64Array; speed: Float64Array; throttle: Float64Array; brake: Float64Array } {
  const rpm = new Float64Array(samples);
  const speed = new Float64Array(samples);
  const throttle = new Float64Array(samples);
  const brake = new Float64Array(samples);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < samples; i++) {
    const t = i / rateHz;
    const phase = (t % 12) / 12; // a 12 s straight-and-corner cycle
    const accelerating = phase < 0.7;
    throttle[i] = accelerating ? 100 : phase < 0.78 ? 0 : 35;
    brake[i] = !accelerating && phase < 0.78 ? 60 + 20 * Math.sin(i) : 0;
    speed[i] = accelerating ? 90 + 160 * phase : 250 - 900 * (phase - 0.7);
    rpm[i] = 4500 + ((t * 2400) % 4200) + (rand() - 0.5) * 150;
    if (i % 997 === 500) rpm[i] = NaN; // a dropped sample
  }
  return { rateHz, rpm, speed, throttle, brake };
}
