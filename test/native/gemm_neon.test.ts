// The AArch64 GEMM (native/cpu/gemm_neon.cc under the shared driver) off-target: cross-compiled
// with g++-aarch64-linux-gnu and run under qemu-aarch64 against the naive oracle
// (test/native/neon/gemm_check.cc via scripts/test_neon.js, also `npm run test:neon`).
// Skipped, with the reason printed, where the cross toolchain or qemu is not installed.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const neon = require('../../scripts/test_neon.js') as {
  missing(): string | null;
  run(): { ok: boolean; result: { kernel: string; checked: number; failures: number; first_failure: string } | null; log: string };
};

const why = neon.missing();
if (why) {
  // eslint-disable-next-line no-console
  console.log(`gemm NEON check skipped: ${why}`);
}

describe('gemm: NEON micro-kernel (aarch64, under qemu)', () => {
  (why ? test.skip : test)('matches the naive oracle on every size 1..70, blocking edges, all transpositions, epilogues, 1 vs 3 threads', () => {
    const r = neon.run();
    expect({ ok: r.ok, log: r.ok ? '' : r.log.slice(-2000) }).toEqual({ ok: true, log: '' });
    expect(r.result?.kernel).toBe('neon-6x16');
    expect(r.result?.failures).toBe(0);
    expect(r.result?.checked).toBeGreaterThan(900);
  }, 300000);
});
