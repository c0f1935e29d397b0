// The import's sha256: computed on another thread for large inputs, joined synchronously.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PARALLEL_MIN_BYTES, startSha256 } from '../../src-main/platform/sha256.ts';
import { mulberry32 } from '../support/prng.ts';

const reference = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function bytesOf(n: number, seed: number): Uint8Array {
  const rand = mulberry32(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
}

describe('startSha256', () => {
  it('gives the sha256 of small and large inputs, at the threshold and either side of it', () => {
    for (const n of [0, 1, 1000, PARALLEL_MIN_BYTES - 1, PARALLEL_MIN_BYTES, 3 * PARALLEL_MIN_BYTES + 7]) {
      const b = bytesOf(n, n + 1);
      expect(startSha256(b).result(), `${n} bytes`).toBe(reference(b));
    }
  });

  it('hashes the bytes as they were when it started, even if the caller changes them at once', () => {
    // on the other thread, on this one (below the threshold), and on this one when asked to
    for (const [n, background] of [[2 * PARALLEL_MIN_BYTES, true], [PARALLEL_MIN_BYTES - 1, true], [2 * PARALLEL_MIN_BYTES, false]] as const) {
      const b = bytesOf(n, 7);
      const expected = reference(b);
      const pending = startSha256(b, background);
      b.fill(0);
      expect(pending.result(), `${n} bytes`).toBe(expected);
      expect(pending.result()).toBe(expected); // asked twice, the same
    }
  });

  it('keeps several hashes in flight apart, and reuses its buffers for later ones', () => {
    const inputs = [1, 2, 3, 4].map((s) => bytesOf(PARALLEL_MIN_BYTES + s * 4099, s));
    const pending = inputs.map((b) => startSha256(b));
    // taken in another order than started
    for (const i of [2, 0, 3, 1]) expect(pending[i]!.result()).toBe(reference(inputs[i]!));
    // a smaller input in a reused, larger buffer: only its own bytes are hashed
    const small = bytesOf(PARALLEL_MIN_BYTES + 1, 99);
    expect(startSha256(small).result()).toBe(reference(small));
  });
});
