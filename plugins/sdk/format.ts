// Deterministic formatting for plugin output: no locale, no toFixed quirks, the same text in
// QuickJS and V8. Plugins import these; the SDK build bundles them in.

/** A finite number (not NaN, not ±Infinity). */
export const isNum = (v: unknown): v is number => typeof v === 'number' && v === v && v !== Infinity && v !== -Infinity;

/** x to `decimals` (0–3) places, half away from zero; 'n/a' when x is not finite. */
export function fixed(x: number, decimals: number): string {
  if (!isNum(x)) return 'n/a';
  const scale = decimals === 0 ? 1 : decimals === 1 ? 10 : decimals === 2 ? 100 : 1000;
  const neg = x < 0;
  const r = Math.round((neg ? -x : x) * scale);
  const whole = Math.floor(r / scale);
  let frac = '' + (r - whole * scale);
  while (frac.length < decimals) frac = '0' + frac;
  return (neg && r > 0 ? '-' : '') + whole + (decimals > 0 ? '.' + frac : '');
}

export const pad2 = (n: number) => (n < 10 ? '0' : '') + n;
export const pad3 = (n: number) => (n < 10 ? '00' : n < 100 ? '0' : '') + n;

/** A lap time, m:ss.mmm; 'n/a' for a negative or non-finite time. */
export function lapClock(ms: number): string {
  if (!isNum(ms) || ms < 0) return 'n/a';
  const r = Math.round(ms);
  const m = Math.floor(r / 60000);
  const s = Math.floor((r - m * 60000) / 1000);
  return m + ':' + pad2(s) + '.' + pad3(r - m * 60000 - s * 1000);
}
