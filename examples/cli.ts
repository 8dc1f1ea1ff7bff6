// The examples' command-line entry: `--help` prints the usage, a bad flag prints the problem and
// the usage (exit 2), an error of the run prints its message (exit 1); no stack traces for users.
// The flag helpers below check values before any data is loaded: intFlag for counts and seeds,
// choiceFlag for a value from a list (both throw a UsageError), outputFile for a file the run
// will write (an Error, exit 1, before training rather than after it).
import * as fs from 'fs';
import * as path from 'path';

/** A bad command line: runMain prints its message and the usage, and exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The whole number a flag holds, at least `min` (give parseArgs the default; an absent flag is
 * undefined with 'optional', else a usage error).
 * Example: intFlag('epochs', a.epochs, 1) -> 3 for '--epochs 3'; 'abc', '0', '-1', '2.5' throw.
 */
export function intFlag(name: string, value: string | undefined, min: number): number;
export function intFlag(name: string, value: string | undefined, min: number, optional: 'optional'): number | undefined;
export function intFlag(name: string, value: string | undefined, min: number, optional?: 'optional'): number | undefined {
  if (value === undefined) {
    if (optional) return undefined;
    throw new UsageError(`--${name} is required`);
  }
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} expects a whole number >= ${min} but got '${value}'`);
  }
  return n;
}

/** The flag's value when it is one of `choices`. */
export function choiceFlag<T extends string>(name: string, value: string | undefined, choices: readonly T[]): T {
  if (value === undefined || !(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')} but got '${value}'`);
  }
  return value as T;
}

/**
 * Throws, before any work is done, when the run could not write `file` (given by `--flag`): it
 * is empty or names a folder, or its folder is missing, not a folder or not writable, or the
 * file exists and is not writable. Returns the file.
 */
export function outputFile(flag: string, file: string): string {
  if (file === '') throw new UsageError(`--${flag} expects a file name`);
  const abs = path.resolve(file);
  if (/[\\/]$/.test(file) || (fs.existsSync(abs) && fs.statSync(abs).isDirectory())) {
    throw new Error(`--${flag}: ${file} is a folder; give a file name in it`);
  }
  const dir = path.dirname(abs);
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new Error(`--${flag}: the folder ${dir} does not exist (create it first)`);
  }
  if (!st.isDirectory()) throw new Error(`--${flag}: ${dir} is not a folder`);
  try {
    fs.accessSync(fs.existsSync(abs) ? abs : dir, fs.constants.W_OK);
  } catch {
    throw new Error(`--${flag}: ${fs.existsSync(abs) ? abs : `the folder ${dir}`} is not writable`);
  }
  return file;
}

/** Runs main(argv) as a command; `usage` is the example's usage line(s). */
export function runMain(usage: string, main: (argv: string[]) => void, argv = process.argv.slice(2)): void {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    return;
  }
  try {
    main(argv);
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err instanceof UsageError || (typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS'))) {
      console.error(`${err.message}\n${usage}`);
      process.exitCode = 2;
    } else {
      console.error(err instanceof Error ? err.message : String(e));
      process.exitCode = 1;
    }
  }
}
