// A whole file as a plain Uint8Array. `new Uint8Array(readFileSync(p))` copies the file once
// more (a tenth of a millisecond a megabyte, paid on every import); a view over the buffer
// Node read costs nothing, and unlike the Buffer itself it has Uint8Array's semantics
// (its slice() copies).
import { readFileSync } from 'node:fs';

export function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
