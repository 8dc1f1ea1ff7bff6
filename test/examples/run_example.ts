// Runs an example program as a user would, in a child process: node with the TypeScript hook
// (swc_register.js, the compiler jest uses) on examples/<name>.ts, from the repository root.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

export const ROOT = path.resolve(__dirname, '..', '..');

export function runExample(name: string, args: string[]): { code: number | null; lines: string[]; stderr: string } {
  const r = spawnSync(process.execPath, ['-r', path.join(__dirname, 'swc_register.js'), path.join(ROOT, 'examples', `${name}.ts`), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, lines: r.stdout.split('\n'), stderr: r.stderr };
}

/** Width, height and pixels of an 8-bit grayscale PNG (the layout lib/io/png.ts writes). */
export function readPng(file: string): { width: number; height: number; pixels: Uint8Array } {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 4) !== 'PNG' || buf.toString('latin1', 12, 16) !== 'IHDR') throw new Error(`${file}: not a PNG`);
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const idatLen = buf.readUInt32BE(33);
  const raw = zlib.inflateSync(buf.subarray(41, 41 + idatLen));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) pixels.set(raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), y * width);
  return { width, height, pixels };
}
