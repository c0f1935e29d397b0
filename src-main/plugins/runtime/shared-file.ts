// Buffers between the server and its V8 plugin process. The IPC channel carries JSON (the
// cheapest to encode and decode of Node's two serializations): a small buffer rides in its
// message as base64, a large one goes through a file both processes hold open (in /dev/shm
// where there is one: memory, not disk). A channel of 360,000 samples is 2.9 MB, which the
// IPC channel would move in many small writes — each a wake-up of the other process — and
// copy several times on the way; through the file it is one write and one read.
//
// The parent owns the file and hands out regions of it, one per call in flight: the call's
// input buffers are written there before the call is sent and read by the child as soon as
// the call arrives; the child then writes the reply's buffers into the same region, and the
// parent reads them when the reply arrives and frees the region. Regions of calls in flight
// never overlap, so neither side ever waits for the other.
import { closeSync, existsSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

/** A buffer in the shared file, as a message carries it. */
export interface FileSlice {
  at: number;
  bytes: number;
}

/** A buffer as a message carries it: in the shared file, or its bytes in base64. */
export type WireBuffer = FileSlice | string;

export interface Region {
  at: number;
  size: number;
}

/** Buffers smaller than this travel in the message itself (a write and a read are not worth it). */
export const SHARED_MIN_BYTES = 32 * 1024;
const REGION_GRAIN = 64 * 1024;

/** Reads a slice into a fresh ArrayBuffer. */
function readSlice(fd: number, slice: FileSlice): ArrayBuffer {
  const buffer = new ArrayBuffer(slice.bytes);
  const view = new Uint8Array(buffer);
  for (let done = 0; done < slice.bytes; ) {
    const n = readSync(fd, view, done, slice.bytes - done, slice.at + done);
    if (n === 0) throw new Error(`the shared file ends before byte ${slice.at + slice.bytes}`);
    done += n;
  }
  return buffer;
}

function writeSlice(fd: number, at: number, buffer: ArrayBuffer): FileSlice {
  const view = new Uint8Array(buffer);
  for (let done = 0; done < view.byteLength; ) done += writeSync(fd, view, done, view.byteLength - done, at + done);
  return { at, bytes: view.byteLength };
}

/**
 * Buffers for a message: the large ones that fit go into `region` of the shared file, in
 * order; the others travel in the message (a reply larger than its region, say: the next
 * call of the instance gets a region as large as this reply).
 */
export function packBuffers(fd: number | null, region: Region | null, buffers: readonly ArrayBuffer[]): WireBuffer[] {
  let used = 0;
  return buffers.map((b) => {
    if (fd === null || !region || b.byteLength < SHARED_MIN_BYTES || used + b.byteLength > region.size) return Buffer.from(b).toString('base64');
    const slice = writeSlice(fd, region.at + used, b);
    used += b.byteLength;
    return slice;
  });
}

/** The buffers of a message, each an ArrayBuffer of its own. */
export function unpackBuffers(fd: number | null, wire: readonly WireBuffer[]): ArrayBuffer[] {
  return wire.map((w) => {
    if (typeof w !== 'string') {
      if (fd === null) throw new Error('a buffer in the shared file, which this process does not have');
      return readSlice(fd, w);
    }
    const bytes = Buffer.from(w, 'base64');
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  });
}

/** Above this, a file with no region in use is emptied (its memory given back). */
const KEEP_BYTES = 64 * 1024 * 1024;

/** The parent's side: the file, and which regions of it are in use. */
export class SharedFile {
  readonly fd: number;
  private path: string | null;
  private free: Region[] = [];
  private inUse = 0;
  private end = 0;
  private closed = false;

  /** A new file only this process and its child will hold: unlinked once the child has it (unlink()). */
  constructor() {
    const dir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    this.path = join(dir, `race-v8-${process.pid}-${randomUUID()}`);
    this.fd = openSync(this.path, 'wx+', 0o600);
  }

  /** Removes the file's name: it lives on while the two processes hold it open. */
  unlink(): void {
    if (this.path === null) return;
    try {
      unlinkSync(this.path);
      this.path = null;
    } catch {
      // an open file cannot be unlinked everywhere (Windows): then at close()
    }
  }

  /** A region of at least `bytes`: the smallest free one that fits, else one at the end. */
  acquire(bytes: number): Region {
    this.inUse++;
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      if (this.free[i]!.size >= bytes && (best < 0 || this.free[i]!.size < this.free[best]!.size)) best = i;
    }
    if (best >= 0) return this.free.splice(best, 1)[0]!;
    // a free region at the end grows rather than being left behind
    const last = this.free.findIndex((r) => r.at + r.size === this.end);
    const at = last >= 0 ? this.free.splice(last, 1)[0]!.at : this.end;
    const region = { at, size: Math.ceil(bytes / REGION_GRAIN) * REGION_GRAIN };
    this.end = at + region.size;
    return region;
  }

  release(region: Region): void {
    if (this.closed) return;
    this.inUse--;
    this.free.push(region);
    if (this.inUse === 0 && this.end > KEEP_BYTES) {
      ftruncateSync(this.fd, 0);
      this.free = [];
      this.end = 0;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    this.unlink();
  }
}
