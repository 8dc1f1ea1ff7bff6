// What the flint subcommands share: the output sink, the usage error (exit code 2), the option
// helpers, the registries scripts/flint.ts hands in, and running a command to an exit code.
// Exit codes: 0 ok, 1 runtime failure, 2 usage.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as flint from '../../lib';
import { datasets, transforms } from '../../lib/data';
import type { Transform } from '../../lib/data/transforms';

/** Where output goes; tests pass their own. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
  /** show a redrawn progress bar (a terminal) instead of plain lines */
  tty: boolean;
}

/** A usage error: message and exit code 2. */
export class UsageError extends Error {}

/** The models and datasets `flint train` knows, handed in by scripts/flint.ts. */
export interface CliContext {
  models: Record<string, () => flint.nn.Module>;
  datasets: Record<string, typeof datasets.MNIST>;
}

/** Samples per forward pass when evaluating (train's validation and test sets, eval). */
export const EVAL_BATCH = 256;

/** The models that classify (10 logits): the ones eval and predict take. */
export const CLASSIFIERS = ['mlp', 'cnn', 'lstm', 'gru', 'rnn'];

/** The training transform of `flint train` (ToTensor + Normalize([0.5], [0.5])). */
export function seedTransform(): Transform {
  return transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
}

export function intOpt(name: string, v: string | undefined, dflt: number | undefined, min: number): number | undefined {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} expects an integer >= ${min} but got '${v}'`);
  }
  return n;
}

export function pathOpt(name: string, v: string | undefined): string | undefined {
  if (v === '') throw new UsageError(`--${name} expects a path`);
  return v;
}

export function modelOpt(ctx: CliContext, v: string | undefined, needed: boolean): string {
  if (v === undefined) {
    if (needed) throw new UsageError(`--model is required (one of: ${CLASSIFIERS.join(', ')})`);
    return 'mlp';
  }
  const known = Object.keys(ctx.models).filter((m) => CLASSIFIERS.includes(m));
  if (v === 'gan' || v === 'autoencoder' || (v in ctx.models && !known.includes(v))) {
    throw new UsageError(`--model ${v} is not a classifier (this command takes ${known.join(', ')})`);
  }
  if (!known.includes(v)) throw new UsageError(`unknown model '${v}' (available: ${known.join(', ')})`);
  return v;
}

export function datasetOpt(ctx: CliContext, v: string | undefined): string {
  const d = v ?? 'mnist';
  if (!(d in ctx.datasets)) throw new UsageError(`unknown dataset '${d}' (available: ${Object.keys(ctx.datasets).join(', ')})`);
  return d;
}

/**
 * Throws a clear error, before any work is done, when `file` could not be written: it names a
 * folder (an existing one, or a path ending in a slash), or its folder is missing, not a folder
 * or not writable, or it exists and is not writable.
 */
export function checkWritable(file: string, flag: string, ext = suffix(flag)): void {
  const abs = path.resolve(file);
  if (/[\\/]$/.test(file)) throw new Error(`${flag}: ${file} names a folder; give a file name (such as ${path.join(abs, 'out' + ext)})`);
  const dir = path.dirname(abs);
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new Error(`${flag}: the folder ${dir} does not exist (create it first)`);
  }
  if (!st.isDirectory()) throw new Error(`${flag}: ${dir} is not a folder`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new Error(`${flag}: the folder ${dir} is not writable`);
  }
  let self: fs.Stats | undefined;
  try {
    self = fs.statSync(abs);
  } catch {
    return; // a new file
  }
  if (self.isDirectory()) throw new Error(`${flag}: ${abs} is a folder; give a file name (such as ${path.join(abs, 'out' + ext)})`);
  try {
    fs.accessSync(abs, fs.constants.W_OK);
  } catch {
    throw new Error(`${flag}: ${abs} exists and is not writable`);
  }
}

/** The usual file name extension of what a flag writes (for the examples in messages). */
function suffix(flag: string): string {
  return /samples/.test(flag) ? '.png' : /plot|confusion/.test(flag) ? '.svg' : '.safetensors';
}

/** Whether two paths name one file (the same path, or links to one file). */
export function sameFile(a: string, b: string): boolean {
  const [ra, rb] = [path.resolve(a), path.resolve(b)];
  if (ra === rb) return true;
  try {
    const [sa, sb] = [fs.statSync(ra), fs.statSync(rb)];
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** Throws a clear error when `dir` (a --data folder) exists but is not a folder. */
export function checkDataDir(dir: string, flag = '--data'): void {
  const abs = path.resolve(dir);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    return; // missing: the dataset says which files it looked for (or --download makes it)
  }
  if (!st.isDirectory()) throw new Error(`${flag}: ${abs} is not a folder (give the folder holding the IDX .gz files)`);
}

/** Throws a clear error when the file to read is missing or is a folder. */
export function checkReadable(file: string, what: string): string {
  const abs = path.resolve(file);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new Error(`${what} ${abs} does not exist`);
  }
  if (st.isDirectory()) throw new Error(`${what} ${abs} is a folder, not a file`);
  return abs;
}

/** The most threads --threads takes: 4 per CPU (more only adds contention). */
export const MAX_THREADS_PER_CPU = 4;

/** --threads N: an integer from 1 to 4x the CPU count (a usage error beyond). */
export function threadsOpt(v: string | undefined): number | undefined {
  const n = intOpt('threads', v, undefined, 1);
  if (n === undefined) return n;
  const cpus = os.cpus().length || 1;
  const max = MAX_THREADS_PER_CPU * cpus;
  if (n > max) throw new UsageError(`--threads ${n} is more than ${MAX_THREADS_PER_CPU} per CPU (this machine has ${cpus}; at most ${max})`);
  return n;
}

/**
 * parseArgs reads `--lr -1` as an option followed by another option ("ambiguous"); join a
 * negative number to the string option before it (`--lr=-1`), so that the option's own check
 * says what range it takes.
 */
export function joinNegatives(argv: string[], options: Record<string, { type: string }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = argv[i + 1];
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d|inf|Infinity)/i.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
    if (a === '--') {
      out.push(...argv.slice(i + 1));
      break;
    }
  }
  return out;
}

/** Whether an error is a usage error: ours, or util.parseArgs' (unknown option, missing value). */
export function isUsage(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return e instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
}

/** parseArgs' message for an unknown option, shortened as `flint train` prints it. */
export function usageMessage(e: Error & { code?: string }): string {
  const opt = /'(-[^']*)'/.exec(e.message);
  return e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && opt ? `unknown option '${opt[1]}'` : e.message;
}

/** Runs a subcommand body, mapping what it throws to the exit code and message. */
export async function runCommand(name: string, io: Io, body: () => Promise<number | void> | number | void): Promise<number> {
  try {
    return (await body()) ?? 0;
  } catch (e) {
    const err = e as Error & { code?: string };
    if (isUsage(e)) {
      io.err(`flint: ${usageMessage(err)}\nRun 'flint ${name} --help' for usage.\n`);
      return 2;
    }
    io.err(`flint: error: ${err && err.message ? err.message : String(e)}\n`);
    if (process.env.FLINT_DEBUG) io.err(`${err.stack}\n`);
    return 1;
  }
}

/** A fixed-width table: the first column left-aligned, the others right-aligned. */
export function table(rows: string[][], indent = '  '): string {
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => (r[j] ?? '').length)));
  return rows.map((r) => indent + r.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ').trimEnd()).join('\n') + '\n';
}
