// The original file is kept with every import (for audit and re-splitting) — but a MoTeC
// channel stored as the logger's own samples (integers or float32) already holds, byte for
// byte, a region of that file. Writing those regions twice doubled what an .ld import writes.
// So the attachment keeps the file with those regions cut out (its "skeleton") and a list of
// what was cut and which channel holds it; originalBytes() puts the file back together,
// exactly (its sha256 is the one stored).
import type { ImportedChannel } from './model.ts';

export interface Elided {
  /** Where the region starts in the original file, and its length in bytes. */
  offset: number;
  length: number;
  /** The channel whose stored chunks are this region. */
  channel: string;
}

/**
 * The regions of `file` that channels hold verbatim: channels whose logged samples are the
 * file's own bytes (a view into it, or an aligned copy that names where it came from), in file
 * order, never overlapping (a file whose channels share data keeps the shared bytes in the
 * skeleton). Each region is compared with the file: only bytes that are equal are cut.
 */
export function elidableRegions(file: Uint8Array, channels: readonly ImportedChannel[]): Elided[] {
  const regions: Elided[] = [];
  for (const c of channels) {
    const raw = c.scaled?.raw;
    if (!raw || raw.byteLength === 0) continue;
    const view = raw.buffer === file.buffer;
    const offset = view ? raw.byteOffset - file.byteOffset : c.scaled!.fileOffset;
    if (offset === undefined || offset < 0 || offset + raw.byteLength > file.byteLength) continue;
    if (!view && !Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).equals(file.subarray(offset, offset + raw.byteLength))) continue;
    regions.push({ offset, length: raw.byteLength, channel: c.name });
  }
  regions.sort((a, b) => a.offset - b.offset);
  const kept: Elided[] = [];
  let end = 0;
  for (const r of regions) {
    if (r.offset < end) continue;
    kept.push(r);
    end = r.offset + r.length;
  }
  return kept;
}

/** The file without the elided regions. */
export function skeleton(file: Uint8Array, elided: readonly Elided[]): Buffer {
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const r of elided) {
    parts.push(file.subarray(at, r.offset));
    at = r.offset + r.length;
  }
  parts.push(file.subarray(at));
  return Buffer.concat(parts);
}

/** The original file from its skeleton and the elided regions' bytes (in the same order). */
export function reassemble(skeletonBytes: Uint8Array, elided: readonly Elided[], regionBytes: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let from = 0;
  let to = 0;
  elided.forEach((r, i) => {
    const head = r.offset - to;
    out.set(skeletonBytes.subarray(from, from + head), to);
    from += head;
    const region = regionBytes[i]!;
    if (region.byteLength !== r.length) throw new Error(`stored channel ${r.channel} holds ${region.byteLength} bytes of the file, expected ${r.length}`);
    out.set(region, r.offset);
    to = r.offset + r.length;
  });
  out.set(skeletonBytes.subarray(from), to);
  return out;
}
