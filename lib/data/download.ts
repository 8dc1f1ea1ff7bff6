// Fetching dataset files from their canonical mirrors, with an md5 check of every file.
// Dataset constructors are synchronous (as in PyTorch: `MNIST(root, download=True)`), so the
// transfer runs in a child node process (node's https/http, no dependencies) that the caller
// waits for. Files land in `<dir>/<name>.part` and are renamed only once their md5 matches.
import { spawnSync } from 'child_process';
import * as fs from 'fs';

export interface RemoteFile {
  name: string;
  md5: string;
}

// Runs in the child: argv[1] is JSON {dir, files, mirrors}. Tries each mirror in turn per file.
const FETCH_JS = String.raw`
const fs = require('fs'), path = require('path'), crypto = require('crypto');
const { dir, files, mirrors } = JSON.parse(process.argv[1]);
function get(url, dest, redirects) {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? require('https') : require('http');
    const req = mod.get(url, { timeout: 60000 }, (res) => {
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
        res.resume();
        if (redirects > 5) return reject(new Error('too many redirects'));
        return resolve(get(new URL(res.headers.location, url).toString(), dest, redirects + 1));
      }
      if (res.statusCode !== 200) { res.resume(); return reject(new Error('HTTP ' + res.statusCode)); }
      const hash = crypto.createHash('md5');
      const out = fs.createWriteStream(dest);
      res.on('data', (c) => hash.update(c));
      res.on('error', reject);
      out.on('error', reject);
      out.on('finish', () => resolve(hash.digest('hex')));
      res.pipe(out);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}
(async () => {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of files) {
    const final = path.join(dir, f.name);
    const part = final + '.part';
    const errors = [];
    let ok = false;
    for (const m of mirrors) {
      const url = m.replace(/\/?$/, '/') + f.name;
      process.stdout.write('Downloading ' + url + '\n');
      try {
        const md5 = await get(url, part, 0);
        if (md5 !== f.md5) throw new Error('md5 mismatch: expected ' + f.md5 + ' but got ' + md5);
        fs.renameSync(part, final);
        ok = true;
        break;
      } catch (e) {
        fs.rmSync(part, { force: true });
        errors.push(url + ': ' + e.message);
      }
    }
    if (!ok) { process.stderr.write('could not download ' + f.name + ':\n  ' + errors.join('\n  ') + '\n'); process.exit(1); }
  }
})().catch((e) => { process.stderr.write(String(e && e.message || e) + '\n'); process.exit(1); });
`;

/**
 * Downloads `files` into `dir` from the first mirror that serves each one with the right md5.
 * Blocks until done; throws an Error listing each mirror's failure otherwise.
 */
export function downloadFiles(op: string, dir: string, files: RemoteFile[], mirrors: string[]): void {
  const todo = files.filter((f) => !fs.existsSync(`${dir}/${f.name}`));
  if (todo.length === 0) return;
  const r = spawnSync(process.execPath, ['-e', FETCH_JS, JSON.stringify({ dir, files: todo, mirrors })], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
    timeout: 30 * 60 * 1000,
  });
  if (r.error) throw new Error(`${op}: download failed: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${op}: download failed: ${(r.stderr || '').trim()}`);
}
