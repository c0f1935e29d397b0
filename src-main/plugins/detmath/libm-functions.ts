// The Math functions whose results come from a C library (and so differ between V8's
// fdlibm port and QuickJS's musl). Everything else in Math is exact IEEE arithmetic
// (sqrt, fround, floor, abs, min, …) and already identical in both engines.
export const UNARY_LIBM = [
  'sin', 'cos', 'tan', 'asin', 'acos', 'atan',
  'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh',
  'exp', 'expm1', 'log', 'log1p', 'log2', 'log10', 'cbrt',
] as const;

/** Math.pow is QuickJS's js_pow (ECMAScript's special cases, then C pow); Math.atan2 is C atan2. */
export const BINARY_LIBM = ['pow', 'atan2'] as const;

export type LibmFunction = (typeof UNARY_LIBM)[number] | (typeof BINARY_LIBM)[number];
export const LIBM_FUNCTIONS: readonly LibmFunction[] = [...UNARY_LIBM, ...BINARY_LIBM];
