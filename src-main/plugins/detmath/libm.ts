// QuickJS's own libm, cut out of the QuickJS .wasm Race ships, for V8 to run (see
// wasm-extract.ts). Built once per process; the manifest says which functions to take
// and pins the exact .wasm they were identified in.
import manifest from './qjs-libm.json' with { type: 'json' };
import { extractFunctions } from './wasm-extract.ts';
import { quickJsWasmBytes } from './quickjs-wasm.ts';
import { sha256Hex } from '../../platform/sha256.ts';

let cached: Uint8Array | null = null;

export function quickJsLibmModule(): Uint8Array {
  if (cached) return cached;
  const wasm = quickJsWasmBytes();
  const actual = sha256Hex(wasm);
  if (actual !== manifest.sha256) {
    throw new Error(
      `the QuickJS build changed (${manifest.package} .wasm sha256 ${actual.slice(0, 12)}…, expected ${manifest.sha256.slice(0, 12)}… from ${manifest.packageVersion}): ` +
        'run `npm run detmath:identify` to locate its libm again',
    );
  }
  cached = extractFunctions(wasm, manifest.functions).module;
  return cached;
}
