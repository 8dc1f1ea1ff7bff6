// native/core/shape.h (a tensor's sizes and strides) against std::vector<int64_t>:
// test/native/shape/shape_check.cc is built with the host C++ compiler and run; it drives random
// sequences of every operation the addon uses, compares after each, and counts heap allocations
// (none for a shape of at most 6 values, amortised growth beyond). Skipped, saying why, without
// a compiler (the addon's build needs one, so CI has it).
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '../..');
const cxx = process.env.CXX || 'g++';
const why = spawnSync(cxx, ['--version']).status === 0 ? null : `no C++ compiler (${cxx})`;
if (why) {
  // eslint-disable-next-line no-console
  console.log(`Shape check skipped: ${why}`);
}

describe('native Shape', () => {
  (why ? test.skip : test)('matches std::vector on 200,000 random operations; no heap for up to 6 values', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-shape-'));
    try {
      const exe = path.join(dir, 'shape_check');
      execFileSync(cxx, ['-std=c++17', '-O1', '-I', path.join(root, 'native'), path.join(__dirname, 'shape', 'shape_check.cc'), '-o', exe]);
      const r = spawnSync(exe, { encoding: 'utf8' });
      expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
      const res = JSON.parse(r.stdout.trim().split('\n').pop()!);
      expect(res.failures).toBe(0);
      expect(res.first_failure).toBe('');
      expect(res.checked).toBeGreaterThan(200000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120000);
});
