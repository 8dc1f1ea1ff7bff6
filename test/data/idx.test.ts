// IDX parsing: the real MNIST files (sizes, label counts, first labels) and damaged files
// (truncated .gz streams, truncated data, wrong magic) that must fail with clear errors.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { parseIdx, readIdx } from '../../lib/data';
import { describeMnist, MNIST_DIR } from './mnist_files';

function counts(labels: Uint8Array): number[] {
  const c = new Array(10).fill(0);
  for (const v of labels) c[v]++;
  return c;
}

describeMnist('readIdx on the real MNIST files', () => {
  test('training labels: header, counts per digit and the first labels', () => {
    const { shape, data } = readIdx(path.join(MNIST_DIR, 'train-labels-idx1-ubyte.gz'), 2049);
    expect(shape).toEqual([60000]);
    expect(counts(data)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(Array.from(data.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
  });
  test('test labels', () => {
    const { shape, data } = readIdx(path.join(MNIST_DIR, 't10k-labels-idx1-ubyte.gz'), 2049);
    expect(shape).toEqual([10000]);
    expect(counts(data)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(Array.from(data.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
  });
  test('test images: shape, value range and mean pixel 33.7912', () => {
    const { shape, data } = readIdx(path.join(MNIST_DIR, 't10k-images-idx3-ubyte.gz'), 2051);
    expect(shape).toEqual([10000, 28, 28]);
    expect(data.length).toBe(10000 * 784);
    let sum = 0;
    let max = 0;
    for (const v of data) {
      sum += v;
      if (v > max) max = v;
    }
    expect(sum / data.length).toBeCloseTo(33.7912, 4);
    expect(max).toBe(255);
  });
  test('a labels file where images are expected fails on the magic number', () => {
    expect(() => readIdx(path.join(MNIST_DIR, 't10k-labels-idx1-ubyte.gz'), 2051)).toThrow(
      /t10k-labels-idx1-ubyte\.gz is not an IDX image file: expected magic number 2051 but found 2049/,
    );
  });
});

describe('damaged IDX files', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-idx-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  // an IDX image file: 3 images of 2x2
  const header = Buffer.from([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2]);
  const pixels = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const whole = Buffer.concat([header, pixels]);

  test('a small well-formed file parses', () => {
    const f = path.join(dir, 'ok-idx3-ubyte.gz');
    fs.writeFileSync(f, zlib.gzipSync(whole));
    const r = readIdx(f, 2051);
    expect(r.shape).toEqual([3, 2, 2]);
    expect(Array.from(r.data)).toEqual(Array.from(pixels));
    // uncompressed files are read as they are
    const g = path.join(dir, 'ok-idx3-ubyte');
    fs.writeFileSync(g, whole);
    expect(readIdx(g).shape).toEqual([3, 2, 2]);
  });

  test('a .gz stream cut short names the file and the expected and actual sizes', () => {
    // a larger file so that cutting the .gz leaves a readable header
    const n = 50;
    const big = Buffer.concat([Buffer.from([0, 0, 8, 3, 0, 0, 0, n, 0, 0, 0, 28, 0, 0, 0, 28]),
      Buffer.from(Array.from({ length: n * 784 }, (_, i) => (i * 7919) % 251))]);
    const gz = zlib.gzipSync(big);
    const f = path.join(dir, 'cut-images-idx3-ubyte.gz');
    fs.writeFileSync(f, gz.subarray(0, Math.floor(gz.length / 2)));
    let msg = '';
    try {
      readIdx(f, 2051);
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toContain(f);
    expect(msg).toMatch(/is truncated: the gzip stream ends early \(\d+ bytes on disk\); its header \[50, 28, 28\] needs 39216 bytes after decompression but only \d+ could be read/);
  });

  test('a complete .gz of truncated data gives expected and actual sizes', () => {
    const f = path.join(dir, 'short-images-idx3-ubyte.gz');
    fs.writeFileSync(f, zlib.gzipSync(whole.subarray(0, whole.length - 5)));
    expect(() => readIdx(f, 2051)).toThrow(
      `readIdx: ${f} is truncated: its header [3, 2, 2] needs 28 bytes (after decompression) but the file has 23`,
    );
  });

  test('trailing bytes and a cut header are errors too', () => {
    expect(() => parseIdx(Buffer.concat([whole, Buffer.from([1])]), 'x')).toThrow(/x has trailing bytes: .* needs 28 bytes .* has 29/);
    expect(() => parseIdx(whole.subarray(0, 10), 'y')).toThrow('readIdx: y is truncated: expected a 16-byte header but the file has 10 bytes');
    expect(() => parseIdx(Buffer.from([1, 2]), 'z')).toThrow(/z is truncated/);
  });

  test('not an IDX file at all', () => {
    expect(() => parseIdx(Buffer.from('hello world, not idx'), 'notes.txt')).toThrow(/notes\.txt is not an unsigned-byte IDX file/);
    const f = path.join(dir, 'garbage.gz');
    fs.writeFileSync(f, Buffer.from('this is not gzip data at all'));
    expect(() => readIdx(f)).toThrow(/cannot decompress .*garbage\.gz/);
  });
});
