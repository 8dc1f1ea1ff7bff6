// flint bench: runs the benchmark script (scripts/bench.ts, compiled to dist/scripts/bench.js)
// in a child Node process with the given options, passing its output through. The child is
// what `npm run bench` runs; its exit code becomes ours (0 ok, 2 usage, else 1).
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Io, UsageError, runCommand } from './common';

const HEAD = `Usage: flint bench [options]

Runs the benchmark script (what npm run bench runs): GEMM GFLOP/s on the reference shapes and
the seed MLP's training throughput, beside numpy/OpenBLAS and PyTorch when python3 has them.

Options (passed to the script):`;

/** The compiled benchmark script: beside this file's folder in dist/, or the repo's dist/. */
export function benchScript(): string | null {
  const candidates = [path.join(__dirname, '..', 'bench.js'), path.resolve(__dirname, '../../dist/scripts/bench.js')];
  return candidates.find((f) => fs.existsSync(f)) ?? null;
}

function runChild(script: string, args: string[], io: Io, capture: boolean): Promise<{ code: number; out: string; usage: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let usage: string | null = null;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (s: string) => (capture ? (out += s) : io.out(s)));
    child.stderr.on('data', (s: string) => {
      // the script's own option parser: an unknown option arrives as a stack trace; make it a usage error
      const m = /ERR_PARSE_ARGS\w*\]?: ([^\n]*)/.exec(s);
      if (m || usage !== null) {
        usage ??= m![1].replace(/\. To specify a positional argument.*$/, '');
        return;
      }
      io.err(s.replace('Usage: npm run bench -- [options]', 'Usage: flint bench [options]'));
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: signal ? 1 : code ?? 1, out, usage }));
  });
}

export async function benchCommand(argv: string[], io: Io): Promise<number> {
  return runCommand('bench', io, async () => {
    const script = benchScript();
    if (!script) throw new Error('the compiled benchmark script (dist/scripts/bench.js) is missing: run npm run build:ts first');
    if (argv.includes('--help') || argv.includes('-h')) {
      const r = await runChild(script, ['--help'], io, true);
      const opts = r.out.split('\n').slice(1).join('\n');
      io.out(`${HEAD}\n${opts.trimEnd()}\n\nExample:\n  flint bench --quick --only mlp --threads 1\n`);
      return 0;
    }
    const r = await runChild(script, argv, io, false);
    if (r.usage !== null) {
      const opt = /'(-[^']*)'/.exec(r.usage);
      throw new UsageError(opt && /Unknown option/i.test(r.usage) ? `unknown option '${opt[1]}'` : r.usage);
    }
    return r.code === 0 ? 0 : r.code === 2 ? 2 : 1;
  });
}
