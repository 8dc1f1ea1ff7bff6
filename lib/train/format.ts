// Number formatting shared by the progress printout and the callbacks' messages.

/** 4 decimals, or 4 significant digits in exponent form for very small or large values. */
export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}
