// Seeded generators for the data pipeline's own draws (shuffles, random splits): the same
// permutations on every platform, independent of the native generator's stream once seeded.
/**
 * xoshiro128** (Blackman & Vigna), seeded through splitmix32: a small, fast generator for
 * shuffles that gives the same permutations on every platform.
 */
export class ShuffleGenerator {
  private s = new Uint32Array(4);
  /** op names the caller in the error for a bad seed */
  constructor(seed: number, op = 'DataLoader') {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`${op}: seed must be a non-negative integer but got ${seed}`);
    let x = (seed % 0x100000000) ^ Math.imul(Math.floor(seed / 0x100000000), 0x9e3779b1);
    for (let i = 0; i < 4; i++) {
      // splitmix32
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = z ^ (z >>> 16);
    }
  }
  /** 32 random bits */
  next(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }
  /** a uniform permutation of 0..n-1 (Fisher-Yates) */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor((this.next() / 0x100000000) * (i + 1));
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
