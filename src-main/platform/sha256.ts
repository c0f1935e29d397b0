// sha256 of a whole file on another thread, joined synchronously: an import starts the hash,
// parses, prepares its rows and writes them inside its transaction, and takes the digest only
// when it must decide between "imported" and "duplicate" — by then the hash is usually done.
// (WebCrypto's digest looked like the way, but in Node it hashes on the calling thread before
// its promise is even returned: nothing overlapped.) Joining with Atomics.wait rather than a
// promise keeps that decision inside one synchronous SQLite transaction, where nothing else
// on the connection can interleave.
//
// One worker per process, started on first use and never holding the process open. The bytes
// go over as a copy in a SharedArrayBuffer kept for the next hash (a fresh one costs ~1 ms per
// MB to map and fault in; a memcpy into a warm one ~0.15 ms). The importer keeps its own
// ordinary buffer: SQLite binds blobs cut from a SharedArrayBuffer about twice as slowly.
// Small inputs are hashed here.
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** Below this, hashing on the calling thread costs less than handing the bytes over. */
export const PARALLEL_MIN_BYTES = 1 << 20;

// Shared buffer layout: [0] state (Int32: 0 running, 1 done, 2 failed) · [8, 40) digest · [64, …) bytes
const STATE = 0;
const DIGEST_AT = 8;
const DATA_AT = 64;
const RUNNING = 0;
const DONE = 1;
const FAILED = 2;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
parentPort.on('message', ({ buffer, length }) => {
  const state = new Int32Array(buffer, 0, 1);
  try {
    const digest = createHash('sha256').update(new Uint8Array(buffer, ${DATA_AT}, length)).digest();
    new Uint8Array(buffer, ${DIGEST_AT}, 32).set(digest);
    Atomics.store(state, 0, ${DONE});
  } catch {
    Atomics.store(state, 0, ${FAILED});
  }
  Atomics.notify(state, 0);
});`;

export interface PendingHash {
  /** The hex sha256; waits for the other thread if it is not done yet. */
  result(): string;
}

let worker: Worker | null = null;
/** Shared buffers not in use; one is enough unless hashes overlap. */
const spare: SharedArrayBuffer[] = [];
const SPARE_MAX = 2;

/** The hex sha256 of bytes or of a string's UTF-8, on this thread. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function hashWorker(): Worker | null {
  if (worker) return worker;
  try {
    // execArgv: [] — the process's own flags (e.g. --no-node-snapshot) are refused in workers
    const w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    w.unref(); // idle between hashes; result() blocks on the buffer, not on the event loop
    const forget = () => {
      if (worker === w) worker = null;
    };
    w.on('error', forget);
    w.on('exit', forget);
    worker = w;
    return w;
  } catch {
    return null;
  }
}

function sharedBuffer(bytes: number): SharedArrayBuffer {
  const i = spare.findIndex((b) => b.byteLength >= DATA_AT + bytes);
  return i >= 0 ? spare.splice(i, 1)[0]! : new SharedArrayBuffer(DATA_AT + bytes);
}

function release(buffer: SharedArrayBuffer): void {
  spare.push(buffer);
  // keep the largest few: the next file is usually like the last
  spare.sort((a, b) => b.byteLength - a.byteLength).splice(SPARE_MAX);
}

/**
 * Starts hashing `bytes` — on another thread when they are large and `background` (the caller
 * has other work to do before it needs the digest), else here and now; either way they may
 * change at once.
 */
export function startSha256(bytes: Uint8Array, background = true): PendingHash {
  const w = background && bytes.byteLength >= PARALLEL_MIN_BYTES ? hashWorker() : null;
  if (!w) {
    const hex = sha256Hex(bytes);
    return { result: () => hex };
  }
  const buffer = sharedBuffer(bytes.byteLength);
  const state = new Int32Array(buffer, STATE, 1);
  Atomics.store(state, 0, RUNNING);
  const copy = new Uint8Array(buffer, DATA_AT, bytes.byteLength);
  copy.set(bytes);
  w.postMessage({ buffer, length: bytes.byteLength });
  let hex: string | null = null;
  return {
    result() {
      if (hex !== null) return hex;
      // A generous bound (first use includes the worker's start-up, ~50 ms): past it, or if
      // the worker failed, the hash is done here from the copy.
      const timeoutMs = 2000 + bytes.byteLength / 50_000;
      Atomics.wait(state, 0, RUNNING, timeoutMs);
      if (Atomics.load(state, 0) === DONE) {
        hex = Buffer.from(buffer, DIGEST_AT, 32).toString('hex');
        release(buffer);
      } else {
        hex = sha256Hex(copy); // the buffer is not reused: a late worker may still write to it
      }
      return hex;
    },
  };
}
