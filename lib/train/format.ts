// Number formatting shared by the progress printout and the callbacks' messages.

/** 4 decimals, or 4 significant digits in exponent form for very small or large values. */
export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

/** A value as an error message shows it: numbers and booleans as they are (NaN too), strings
 *  quoted with their type (string "0.5"), arrays and objects by kind. */
export function describeValue(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === undefined || v === null) return String(v);
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  return 'an object';
}

/** Throws a RangeError naming an option of `opts` that is not in `valid` (a typo guard). */
export function checkOptionKeys(who: string, opts: object, valid: readonly string[]): void {
  for (const k of Object.keys(opts)) {
    if (valid.includes(k)) continue;
    const near = valid.find((v) => v.toLowerCase() === k.toLowerCase() || v.startsWith(k) || k.startsWith(v)) ??
      valid.find((v) => editDistance(v.toLowerCase(), k.toLowerCase()) <= 2);
    throw new RangeError(`${who}: unknown option '${k}'` + (near ? ` (did you mean '${near}'?)` : '') + `; the options are: ${valid.join(', ')}`);
  }
}

/** Levenshtein distance (for 'did you mean' hints). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
