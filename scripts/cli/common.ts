// What the flint subcommands share: the output sink, the usage error (exit code 2), the option
// helpers, the registries scripts/flint.ts hands in, and running a command to an exit code.
// Exit codes: 0 ok, 1 runtime failure, 2 usage.
import * as fs from 'fs';
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

/** Throws a clear error when file's folder is missing or not writable. */
export function checkWritable(file: string, flag: string): void {
  const dir = path.dirname(path.resolve(file));
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
