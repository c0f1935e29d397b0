// Small numeric helpers the planning plugins share (fuel-plan, weather). Plugins import
// them; the SDK build bundles them in, so they behave the same in QuickJS and V8.

/** Litres rounded up to 0.1 (tolerating the float error of a product like 13 × 2.5). */
export function litresUp(x: number): number {
  return Math.ceil(x * 10 - 1e-7) / 10;
}

/** The median of finite values (NaN for none); the input is not reordered. */
export function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return NaN;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
