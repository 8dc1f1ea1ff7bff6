// flint bench runs the compiled benchmark script (dist/scripts/bench.js, from npm run build:ts)
// in a child process: --help, a usage error, and a smoke run of the MLP part.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from './run';
import { benchScript, failureMessage } from '../../scripts/cli/bench';

test('failureMessage: the script\'s fs errors as one line naming the file', () => {
  expect(failureMessage("EACCES: permission denied, open '/r/o.json'")).toBe('cannot write /r/o.json: permission denied (EACCES)');
  expect(failureMessage('ENOSPC: no space left on device, write', 'x.json')).toBe(`cannot write ${path.resolve('x.json')} (--out): no space left on device (ENOSPC)`);
  expect(failureMessage('something else')).toBe('something else');
});

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

  test('--out is checked before the benchmark runs: a folder, a missing folder, an empty path; --threads is bounded', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-cli-bench-'));
    try {
      const cases: [string[], number, string][] = [
        [['--out', tmp], 1, `flint: error: --out: ${tmp} is a folder; give a file name (such as ${path.join(tmp, 'out.json')})\n`],
        [['--out', tmp + '/'], 1, `flint: error: --out: ${tmp}/ names a folder; give a file name (such as ${path.join(tmp, 'out.json')})\n`],
        [[`--out=${path.join(tmp, 'no', 'b.json')}`], 1, `flint: error: --out: the folder ${path.join(tmp, 'no')} does not exist (create it first)\n`],
        [['--out', ''], 2, "flint: --out expects a path\nRun 'flint bench --help' for usage.\n"],
        [['--threads', `1,${4 * os.cpus().length + 1}`], 2, `flint: --threads ${4 * os.cpus().length + 1} is more than 4 per CPU`],
      ];
      for (const [args, code, err] of cases) {
        const t0 = Date.now();
        const r = await run(['bench', '--only', 'mlp', '--quick', '--python', 'none', ...args]);
        expect({ args, code: r.code }).toEqual({ args, code });
        expect(r.err.startsWith(err)).toBe(true);
        expect(r.out).toBe('');
        expect(Date.now() - t0).toBeLessThan(2000); // nothing was measured
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  (fs.existsSync('/dev/full') ? test : test.skip)('a write that fails after the benchmark is a one-line error (exit 1), not a stack trace', async () => {
    // /dev/full passes the check (it exists and is writable) but every write fails with ENOSPC
    const r = await run(['bench', '--only', 'mlp', '--quick', '--steps', '3', '--warmup', '1', '--python', 'none', '--threads', '1', '--json', '--out', '/dev/full']);
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.err).not.toContain('bench: Error');
    const lines = r.err.trim().split('\n');
    expect(lines[lines.length - 1]).toBe('flint: error: bench: cannot write /dev/full (--out): no space left on device (ENOSPC)');
  });

  test('a smoke run of the MLP part prints its JSON (exit 0)', async () => {
    const r = await run(['bench', '--only', 'mlp', '--quick', '--steps', '3', '--warmup', '1', '--python', 'none', '--threads', '1', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.mlp[0]).toMatchObject({ threads: 1, flint: { ok: true, steps: 3 } });
    expect(j.mlp[0].flint.samples_per_s).toBeGreaterThan(0);
  });
});
