// Runs the flint CLI in-process with captured output (scripts/flint.ts's main).
import { main, Io } from '../../scripts/flint';

export async function run(argv: string[], tty = false): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => (out += s), err: (s) => (err += s), tty };
  const code = await main(argv, io);
  return { code, out, err };
}

/** The last line of the output, parsed as JSON. */
export function lastJson(out: string): any {
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}
