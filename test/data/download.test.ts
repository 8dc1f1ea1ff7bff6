// download: true fetches missing files from the mirrors in turn, checking md5s. A local HTTP
// server (a child process, as the download blocks this one) plays the mirrors.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { datasets } from '../../lib/data';
import { describeMnist, MNIST_DIR } from './mnist_files';

// /good/<file> serves the real file, /bad/<file> serves damaged bytes, anything else is a 404
const SERVER = String.raw`
const http = require('http'), fs = require('fs'), path = require('path');
const dir = process.argv[1];
const srv = http.createServer((req, res) => {
  const m = /^\/(good|bad)\/([\w.-]+)$/.exec(req.url);
  const f = m && path.join(dir, m[2]);
  if (!m || !fs.existsSync(f)) { res.statusCode = 404; return res.end('no'); }
  const b = fs.readFileSync(f);
  if (m[1] === 'bad') b[b.length >> 1] ^= 0xff;
  res.end(b);
});
srv.listen(0, '127.0.0.1', () => process.stdout.write(srv.address().port + '\n'));
`;

describeMnist('MNIST download: true (mirrors served locally)', () => {
  let server: ChildProcess;
  let base = '';
  let tmp: string;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-dl-'));
    server = spawn(process.execPath, ['-e', SERVER, MNIST_DIR], { stdio: ['ignore', 'pipe', 'inherit'] });
    const port = await new Promise<string>((resolve, reject) => {
      server.stdout!.once('data', (d) => resolve(String(d).trim()));
      server.once('exit', (c) => reject(new Error(`server exited with ${c}`)));
    });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => {
    server.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** MNIST with these mirrors and nothing found locally */
  const withMirrors = (mirrors: string[]) => {
    const cls = class extends datasets.MNIST {};
    cls.mirrors = mirrors;
    cls.systemDirs = [];
    return cls;
  };

  test('skips mirrors that fail or serve a bad checksum, then loads', () => {
    const root = path.join(tmp, 'ok');
    const Cls = withMirrors([`${base}/missing/`, `${base}/bad/`, `${base}/good/`]);
    const ds = new Cls({ root, train: false, download: true });
    expect(ds.length).toBe(10000);
    expect(ds.root).toBe(root);
    expect(fs.readdirSync(root).sort()).toEqual(datasets.MNIST.resources.map((r) => r.name).sort());
  });

  test('fails with every mirror error when no mirror has a good copy, leaving no partial files', () => {
    const root = path.join(tmp, 'bad');
    const Cls = withMirrors([`${base}/missing/`, `${base}/bad/`]);
    let msg = '';
    try {
      new Cls({ root, download: true });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain('MNIST: download failed: could not download train-images-idx3-ubyte.gz:');
    expect(msg).toContain(`${base}/missing/train-images-idx3-ubyte.gz: HTTP 404`);
    expect(msg).toMatch(/bad\/train-images-idx3-ubyte\.gz: md5 mismatch: expected f68b3c2dcbeaaa9fbdd348bbdeb94873 but got [0-9a-f]{32}/);
    expect(fs.readdirSync(root)).toEqual([]);
  });
});
