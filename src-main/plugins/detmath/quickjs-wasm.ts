// The QuickJS build Race runs (quickjs-emscripten's release-sync variant) and its .wasm.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const nodeRequire = createRequire(import.meta.url);
export const QUICKJS_VARIANT_PACKAGE = '@jitl/quickjs-wasmfile-release-sync';

export function quickJsWasmPath(): string {
  return nodeRequire.resolve(`${QUICKJS_VARIANT_PACKAGE}/wasm`);
}

export function quickJsWasmBytes(): Uint8Array {
  return new Uint8Array(readFileSync(quickJsWasmPath()));
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
