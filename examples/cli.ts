// The examples' command-line entry: `--help` prints the usage, a bad flag prints the problem and
// the usage (exit 2), an error of the run prints its message (exit 1); no stack traces for users.

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
    if (typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${err.message}\n${usage}`);
      process.exitCode = 2;
    } else {
      console.error(err instanceof Error ? err.message : String(e));
      process.exitCode = 1;
    }
  }
}
