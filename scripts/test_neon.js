#!/usr/bin/env node
// npm run test:neon: the AArch64 GEMM (NEON micro-kernel + the shared driver) off-target.
// Cross-compiles test/native/neon/gemm_check.cc with native/cpu/gemm.cc, gemm_neon.cc and
// core/threadpool.cc for aarch64 and runs it under qemu-aarch64 against the naive oracle.
// Needs Debian's g++-aarch64-linux-gnu and qemu-user (apt-get install -y g++-aarch64-linux-gnu
// qemu-user); without them it says so and exits 0 (exit 2 with --require).
// CXX_AARCH64 / QEMU_AARCH64 / AARCH64_SYSROOT override the tool names and the sysroot.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const CXX = process.env.CXX_AARCH64 || 'aarch64-linux-gnu-g++';
const QEMU = process.env.QEMU_AARCH64 || 'qemu-aarch64';
const SYSROOT = process.env.AARCH64_SYSROOT || '/usr/aarch64-linux-gnu';

function have(cmd) {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

/** Which tool is missing, or null when both are there. */
function missing() {
  if (!have(CXX)) return `${CXX} not found (apt-get install -y g++-aarch64-linux-gnu)`;
  if (!have(QEMU)) return `${QEMU} not found (apt-get install -y qemu-user)`;
  return null;
}

/** Builds and runs the check; returns { ok, result (the program's JSON line), log }. */
function run() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-neon-'));
  try {
    const exe = path.join(dir, 'gemm_check');
    const srcs = ['test/native/neon/gemm_check.cc', 'native/cpu/gemm.cc', 'native/cpu/gemm_neon.cc', 'native/core/threadpool.cc']
      .map((f) => path.join(ROOT, f));
    const cc = spawnSync(CXX, ['-std=c++17', '-O2', '-Wall', '-Wno-unused-function', '-I', path.join(ROOT, 'native'), ...srcs,
      '-o', exe, '-static', '-pthread'], { encoding: 'utf8' });
    if (cc.status !== 0) return { ok: false, result: null, log: `compile failed:\n${cc.stderr || cc.error}` };
    const r = spawnSync(QEMU, ['-L', SYSROOT, exe], { encoding: 'utf8', timeout: 600000 });
    const line = (r.stdout || '').trim().split('\n').pop() || '';
    let result = null;
    try {
      result = JSON.parse(line);
    } catch {
      /* reported below */
    }
    return { ok: r.status === 0 && result !== null, result, log: `${r.stdout || ''}${r.stderr || ''}${r.error ? String(r.error) : ''}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { missing, run };

if (require.main === module) {
  const why = missing();
  if (why) {
    console.log(`test:neon skipped: ${why}`);
    process.exit(process.argv.includes('--require') ? 2 : 0);
  }
  const r = run();
  console.log(r.log.trim());
  console.log(r.ok ? 'test:neon passed' : 'test:neon FAILED');
  process.exit(r.ok ? 0 : 1);
}
