// Values as text in which every float keeps every bit: compared byte for byte, and a
// mismatch shows where.

/** A float64 array's bytes, as hex. */
export function bits(a: Float64Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');
}

/** Any value as text in which every float keeps every bit (for byte-for-byte comparison). */
export function exact(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (v instanceof Float64Array) return { f64: bits(v) };
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Inf' : v === -Infinity ? '-Inf' : v;
    return v;
  });
}
