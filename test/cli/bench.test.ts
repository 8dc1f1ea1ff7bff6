// flint bench runs the compiled benchmark script (dist/scripts/bench.js, from npm run build:ts)
// in a child process: --help, a usage error, and a smoke run of the MLP part.
import { run } from './run';
import { benchScript } from '../../scripts/cli/bench';

const have = benchScript() !== null;
const describeBench: jest.Describe = have
  ? describe
  : (((name: string, fn: () => void) => describe.skip(`${name} (skipped: no dist/scripts/bench.js; run npm run build:ts)`, fn)) as jest.Describe);

describeBench('flint bench', () => {
  test('--help shows the script\'s options under flint bench', async () => {
    const r = await run(['bench', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: flint bench \[options\]\n/);
    for (const s of ['--threads 1,2', '--only gemm|mlp', '--quick', '--json']) expect(r.out).toContain(s);
  });

  test('usage errors exit 2: an unknown option, a bad value', async () => {
    const a = await run(['bench', '--bogus']);
    expect(a.code).toBe(2);
    expect(a.err).toBe("flint: unknown option '--bogus'\nRun 'flint bench --help' for usage.\n");
    const b = await run(['bench', '--only', 'everything']);
    expect(b.code).toBe(2);
    expect(b.err).toContain("bench: --only expects gemm or mlp but got 'everything'");
    expect(b.err).toContain('Usage: flint bench [options]');
  });

  test('a smoke run of the MLP part prints its JSON (exit 0)', async () => {
    const r = await run(['bench', '--only', 'mlp', '--quick', '--steps', '3', '--warmup', '1', '--python', 'none', '--threads', '1', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.mlp[0]).toMatchObject({ threads: 1, flint: { ok: true, steps: 3 } });
    expect(j.mlp[0].flint.samples_per_s).toBeGreaterThan(0);
  });
});
