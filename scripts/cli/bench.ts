// flint bench: runs the benchmark script (scripts/bench.ts, compiled to dist/scripts/bench.js)
// in a child Node process with the given options, passing its output through. The child is
// what `npm run bench` runs; its exit code becomes ours (0 ok, 2 usage, else 1).
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as os from 'os';
import { Io, UsageError, MAX_THREADS_PER_CPU, checkWritable, runCommand } from './common';

const HEAD = `Usage: flint bench [options]

Runs the benchmark script (what npm run bench runs): GEMM GFLOP/s on the reference shapes and
the seed MLP's training throughput, beside numpy/OpenBLAS and PyTorch when python3 has them.
flint bench checks --out FILE before the benchmark starts, and refuses --threads counts above
${MAX_THREADS_PER_CPU} per CPU.

Options (passed to the script):`;

/** The compiled benchmark script: beside this file's folder in dist/, or the repo's dist/. */
export function benchScript(): string | null {
  const candidates = [path.join(__dirname, '..', 'bench.js'), path.resolve(__dirname, '../../dist/scripts/bench.js')];
  return candidates.find((f) => fs.existsSync(f)) ?? null;
}

/**
 * An fs error message from the script ("EACCES: permission denied, open 'x.json'") as one
 * line naming the file; other messages unchanged.
 */
export function failureMessage(msg: string, out?: string): string {
  const m = /^(E[A-Z]+): ([^,]+), (?:open|write|rename) '(.*)'$/.exec(msg);
  if (m) return `cannot write ${m[3]}: ${m[2]} (${m[1]})`;
  const n = /^(E[A-Z]+): ([^,]+), write$/.exec(msg);
  if (n && out !== undefined) return `cannot write ${path.resolve(out)} (--out): ${n[2]} (${n[1]})`;
  return msg;
}

function runChild(script: string, args: string[], io: Io, capture: boolean): Promise<{ code: number; out: string; usage: string | null; failure: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let usage: string | null = null;
    let failure: string | null = null;
    let partial = '';
    const debug = Boolean(process.env.FLINT_DEBUG);
    // The script's stderr, a line at a time: its progress passes through; what it throws
    // ("bench: Error: ..." and the stack) is kept as one line for flint's error message.
    const line = (l: string) => {
      if (usage !== null) return;
      // the script's own option parser: an unknown option arrives as a stack trace; make it a usage error
      const m = /ERR_PARSE_ARGS\w*\]?: ([^\n]*)/.exec(l);
      if (m) {
        usage = m[1].replace(/\. To specify a positional argument.*$/, '');
        return;
      }
      const f = /^bench: (?:\w*Error(?: \[\w+\])?: )(.*)$/.exec(l);
      if (f && failure === null) {
        failure = f[1];
        if (!debug) return;
      }
      if (failure !== null && /^\s+at /.test(l) && !debug) return; // its stack trace
      io.err(l.replace('Usage: npm run bench -- [options]', 'Usage: flint bench [options]') + '\n');
    };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (s: string) => (capture ? (out += s) : io.out(s)));
    child.stderr.on('data', (s: string) => {
      const lines = (partial + s).split('\n');
      partial = lines.pop()!;
      lines.forEach(line);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (partial) line(partial);
      resolve({ code: signal ? 1 : code ?? 1, out, usage, failure });
    });
  });
}

/** The value of a string option in argv (--name V or --name=V; the last one wins), else undefined. */
function optValue(argv: string[], name: string): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') break;
    if (argv[i] === `--${name}` && i + 1 < argv.length) v = argv[++i];
    else if (argv[i].startsWith(`--${name}=`)) v = argv[i].slice(name.length + 3);
  }
  return v;
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
    // Checked here, before the benchmark runs (minutes), not when the script writes the file.
    const out = optValue(argv, 'out');
    if (out === '') throw new UsageError('--out expects a path');
    if (out !== undefined) checkWritable(out, '--out', '.json');
    const threads = optValue(argv, 'threads');
    if (threads !== undefined) {
      const cpus = os.cpus().length || 1;
      const over = threads.split(',').map((t) => Number(t.trim())).find((t) => Number.isFinite(t) && t > MAX_THREADS_PER_CPU * cpus);
      if (over !== undefined) {
        throw new UsageError(`--threads ${over} is more than ${MAX_THREADS_PER_CPU} per CPU (this machine has ${cpus}; at most ${MAX_THREADS_PER_CPU * cpus})`);
      }
    }
    const r = await runChild(script, argv, io, false);
    if (r.usage !== null) {
      const opt = /'(-[^']*)'/.exec(r.usage);
      throw new UsageError(opt && /Unknown option/i.test(r.usage) ? `unknown option '${opt[1]}'` : r.usage);
    }
    if (r.code !== 0 && r.code !== 2 && r.failure !== null) throw new Error(`bench: ${failureMessage(r.failure, out)}`);
    return r.code === 0 ? 0 : r.code === 2 ? 2 : 1;
  });
}
