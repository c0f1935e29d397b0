// The QuickJS build Race runs (quickjs-emscripten's release-sync variant) and its .wasm.
import { createRequire } from 'node:module';
import { readBytes } from '../../platform/read-bytes.ts';

const nodeRequire = createRequire(import.meta.url);
export const QUICKJS_VARIANT_PACKAGE = '@jitl/quickjs-wasmfile-release-sync';

export function quickJsWasmPath(): string {
  return nodeRequire.resolve(`${QUICKJS_VARIANT_PACKAGE}/wasm`);
}

export function quickJsWasmBytes(): Uint8Array {
  return readBytes(quickJsWasmPath());
}
