// The smallest and largest of an integer channel, eight or sixteen lanes at a time. Every
// imported MoTeC channel is scanned for its range, and a scalar loop (~1 ns a sample) was a
// good part of an .ld import; WebAssembly SIMD's integer min/max does the same exact
// comparisons on whole vectors. The module is a few bytes built here (no build step, no
// file): one function per integer width, each
//
//   (func (param $p i32) (param $end i32) (local $lo v128) (local $hi v128)
//     lo = hi = v128.load p
//     loop: p += 16; if p >= end break; lo = min_s(lo, load p); hi = max_s(hi, load p)
//     v128.store 0 lo; v128.store 16 hi)
//
// The samples are copied to offset 32 and padded to a whole vector with their first value
// (which changes neither extreme); the lanes left at 0 and 16 are reduced in JS.
import type { IntArray } from './scaled.ts';

const DATA = 32;
/** Below this many samples the copy and call cost more than they save (measured on a real
 * 78-channel MoTeC file: a bound of 4096 left a third of its range-scan time in the scalar loop). */
const MIN_SAMPLES = 256;

// SIMD opcodes (after the 0xfd prefix), LEB128-encoded: [min_s, max_s] per lane width.
const OPS = {
  8: [[0x76], [0x78]],
  16: [[0x96, 0x01], [0x98, 0x01]],
  32: [[0xb6, 0x01], [0xb8, 0x01]],
} as const;

function body(bits: 8 | 16 | 32): number[] {
  const [min, max] = OPS[bits];
  const load = [0xfd, 0x00, 0x04, 0x00];
  const code = [
    0x01, 0x02, 0x7b, // locals: 2 × v128
    0x20, 0x00, ...load, 0x22, 0x02, 0x21, 0x03, // lo = hi = load(p)
    0x02, 0x40, 0x03, 0x40, // block, loop
    0x20, 0x00, 0x41, 0x10, 0x6a, 0x22, 0x00, // p += 16
    0x20, 0x01, 0x4f, 0x0d, 0x01, // if p >= end: break
    0x20, 0x02, 0x20, 0x00, ...load, 0xfd, ...min, 0x21, 0x02, // lo = min(lo, load p)
    0x20, 0x03, 0x20, 0x00, ...load, 0xfd, ...max, 0x21, 0x03, // hi = max(hi, load p)
    0x0c, 0x00, 0x0b, 0x0b, // br loop; end; end
    0x41, 0x00, 0x20, 0x02, 0xfd, 0x0b, 0x04, 0x00, // store 0 lo
    0x41, 0x10, 0x20, 0x03, 0xfd, 0x0b, 0x04, 0x00, // store 16 hi
    0x0b,
  ];
  return [code.length, ...code];
}

function section(id: number, content: number[]): number[] {
  return [id, content.length, ...content];
}

function moduleBytes(): Uint8Array {
  const funcs = [body(8), body(16), body(32)];
  const code = [funcs.length, ...funcs.flat()];
  const str = (s: string) => [s.length, ...[...s].map((c) => c.charCodeAt(0))];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [0x01, 0x60, 0x02, 0x7f, 0x7f, 0x00]), // type: (i32, i32) -> ()
    ...section(3, [0x03, 0x00, 0x00, 0x00]), // three functions of that type
    ...section(5, [0x01, 0x00, 0x01]), // memory: 1 page to start
    ...section(7, [0x04, ...str('e8'), 0x00, 0x00, ...str('e16'), 0x00, 0x01, ...str('e32'), 0x00, 0x02, ...str('m'), 0x02, 0x00]),
    0x0a, ...leb(code.length), ...code,
  ]);
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

interface Simd {
  memory: WebAssembly.Memory;
  e8: (p: number, end: number) => void;
  e16: (p: number, end: number) => void;
  e32: (p: number, end: number) => void;
}

let simd: Simd | null | undefined;

function instance(): Simd | null {
  if (simd !== undefined) return simd;
  try {
    const exports = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes() as Uint8Array<ArrayBuffer>)).exports as unknown as { m: WebAssembly.Memory } & Omit<Simd, 'memory'>;
    simd = { memory: exports.m, e8: exports.e8, e16: exports.e16, e32: exports.e32 };
  } catch {
    simd = null; // no SIMD here: the scalar loop
  }
  return simd;
}

/** Whether the SIMD module runs here (else the scalar loop does the work). */
export function simdAvailable(): boolean {
  return instance() !== null;
}

function scalar(r: IntArray): [number, number] {
  let lo = r[0]!;
  let hi = lo;
  for (let i = 1; i < r.length; i++) {
    const v = r[i]!;
    if (v < lo) lo = v;
    else if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** Views of the module's memory, made again only when it grows (making them per call showed). */
let views: { buffer: ArrayBuffer; u8: Uint8Array; i8: Int8Array; i16: Int16Array; i32: Int32Array } | null = null;

function viewsOf(memory: WebAssembly.Memory): NonNullable<typeof views> {
  const buffer = memory.buffer;
  if (views?.buffer !== buffer) views = { buffer, u8: new Uint8Array(buffer), i8: new Int8Array(buffer), i16: new Int16Array(buffer), i32: new Int32Array(buffer) };
  return views;
}

/** [smallest, largest] of a non-empty integer array; exact, the same as a scalar scan. */
export function intExtremes(r: IntArray): [number, number] {
  const s = r.length >= MIN_SAMPLES ? instance() : null;
  if (!s) return scalar(r);
  const bytes = r.byteLength;
  const padded = Math.ceil(bytes / 16) * 16;
  const need = DATA + padded;
  if (s.memory.buffer.byteLength < need) s.memory.grow(Math.ceil((need - s.memory.buffer.byteLength) / 65536));
  const v = viewsOf(s.memory);
  v.u8.set(new Uint8Array(r.buffer, r.byteOffset, bytes), DATA);
  const lanes = r instanceof Int8Array ? v.i8 : r instanceof Int16Array ? v.i16 : v.i32;
  const width = r.BYTES_PER_ELEMENT;
  lanes.fill(r[0]!, (DATA + bytes) / width, (DATA + padded) / width);
  (width === 1 ? s.e8 : width === 2 ? s.e16 : s.e32)(DATA, DATA + padded);
  // lanes [0, per) hold the vector of minima, [per, 2 per) the maxima
  const per = 16 / width;
  let a = lanes[0]!;
  let b = lanes[per]!;
  for (let i = 1; i < per; i++) {
    if (lanes[i]! < a) a = lanes[i]!;
    if (lanes[per + i]! > b) b = lanes[per + i]!;
  }
  return [a, b];
}
