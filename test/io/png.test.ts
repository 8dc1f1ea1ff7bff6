// The PNG encoder (lib/io/png.ts) and the image helpers over it (lib/utils/image.ts: makeGrid,
// savePng). Oracles: the PNG specification's layout read back byte by byte here, node's zlib for
// the inflate and for CRC-32 (zlib.crc32), a bitwise CRC-32 and the standard check value.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as flint from '../../lib';
import { crc32, encodePng, makeGrid, savePng } from '../../lib/utils';

interface Chunk { type: string; data: Buffer; crc: number }
interface Decoded { width: number; height: number; pixels: Uint8Array; chunks: Chunk[] }

/** Reads a PNG as the spec lays it out, checking every CRC; 8-bit grayscale, filter None only. */
function decode(buf: Buffer): Decoded {
  expect([...buf.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: Chunk[] = [];
  for (let at = 8; at < buf.length;) {
    const len = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + len);
    const crc = buf.readUInt32BE(at + 8 + len);
    expect(crc).toBe(zlib.crc32(buf.subarray(at + 4, at + 8 + len)));
    chunks.push({ type, data, crc });
    at += 12 + len;
  }
  expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const ihdr = chunks[0].data;
  expect(ihdr.length).toBe(13);
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  expect([...ihdr.subarray(8)]).toEqual([8, 0, 0, 0, 0]); // depth 8, grayscale, deflate, filter 0, no interlace
  expect(chunks[2].data.length).toBe(0);
  const raw = zlib.inflateSync(chunks[1].data);
  expect(raw.length).toBe(height * (width + 1));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width + 1)]).toBe(0); // filter type None
    pixels.set(raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1)), y * width);
  }
  return { width, height, pixels, chunks };
}

/** CRC-32 bit by bit (no table): the oracle for the table-driven one. */
function crcBitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-png-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('crc32', () => {
  test('the standard check value and zlib\'s results, whole and continued', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff);
    expect(crc32(bytes)).toBe(zlib.crc32(bytes));
    expect(crc32(bytes)).toBe(crcBitwise(bytes));
    expect(crc32(bytes.subarray(300), crc32(bytes.subarray(0, 300)))).toBe(crc32(bytes));
  });
});

describe('encodePng', () => {
  test.each([[1, 1], [7, 5], [28, 28], [300, 3]])('%i x %i: valid chunks and CRCs; the pixels come back', (w, h) => {
    const px = Uint8Array.from({ length: w * h }, (_, i) => (i * 37 + (i >> 3)) & 0xff);
    const d = decode(encodePng(px, w, h));
    expect([d.width, d.height]).toEqual([w, h]);
    expect(d.pixels).toEqual(px);
    for (const c of d.chunks) expect(c.crc).toBe(crcBitwise(Buffer.concat([Buffer.from(c.type, 'latin1'), c.data])));
  });

  test('refuses sizes that do not match the pixels, and non-integer or empty sizes', () => {
    expect(() => encodePng(new Uint8Array(6), 2, 2)).toThrow('encodePng: expected 4 pixels (2 x 2) as a Uint8Array but got 6');
    expect(() => encodePng(new Uint8Array(0), 0, 0)).toThrow('encodePng: width must be an integer in [1, 2^31) but got 0');
    expect(() => encodePng(new Uint8Array(2), 1.5, 1)).toThrow('width must be an integer');
    expect(() => encodePng([1, 2] as unknown as Uint8Array, 2, 1)).toThrow('as a Uint8Array but got object');
  });
});

describe('makeGrid and savePng', () => {
  test('makeGrid tiles as torchvision\'s make_grid: nrow a row, padding between and around', () => {
    expect(makeGrid(flint.zeros([64, 1, 28, 28])).shape).toEqual([242, 242]);
    expect(makeGrid(flint.zeros([10, 28, 28]), { nrow: 8 }).shape).toEqual([62, 242]);
    expect(makeGrid(flint.zeros([3, 1, 2, 2]), { padding: 0 }).shape).toEqual([2, 6]);
    expect(makeGrid(flint.zeros([1, 1, 5, 4])).shape).toEqual([5, 4]); // one image: as it is
    const imgs = flint.arange(8).reshape([2, 1, 2, 2]).float();
    const g = makeGrid(imgs, { nrow: 1, padding: 1, padValue: -1 });
    expect(g.dtype).toBe('float32');
    expect(g.toArray()).toEqual([
      [-1, -1, -1, -1],
      [-1, 0, 1, -1],
      [-1, 2, 3, -1],
      [-1, -1, -1, -1],
      [-1, 4, 5, -1],
      [-1, 6, 7, -1],
      [-1, -1, -1, -1],
    ]);
  });

  test('savePng maps [0, 1] to 0..255 as save_image (x 255 + 0.5, clamped, truncated; NaN black)', () => {
    const file = path.join(tmp, 'a.png');
    savePng(flint.tensor([[0, 1, 0.5, 0.2], [-3, 7, NaN, 0.998]]), file);
    const d = decode(fs.readFileSync(file));
    expect([d.width, d.height]).toEqual([4, 2]);
    expect([...d.pixels]).toEqual([0, 255, 128, 51, 0, 255, 0, 254]);
  });

  test('savePng: valueRange, normalize, uint8 as it is, and the grid padding black', () => {
    const file = path.join(tmp, 'b.png');
    savePng(flint.tensor([[-1, 0, 1]]), file, { valueRange: [-1, 1] });
    expect([...decode(fs.readFileSync(file)).pixels]).toEqual([0, 128, 255]);
    savePng(flint.tensor([[10, 15, 20]], { dtype: 'float64' }), file, { normalize: true });
    expect([...decode(fs.readFileSync(file)).pixels]).toEqual([0, 128, 255]);
    savePng(flint.tensor([[3, 200]], { dtype: 'uint8' }), file);
    expect([...decode(fs.readFileSync(file)).pixels]).toEqual([3, 200]);
    // two 1x1 images in [-1, 1] (tanh output), padding 1: black border, white and black pixels
    savePng(flint.tensor([1, -1]).reshape([2, 1, 1, 1]), file, { valueRange: [-1, 1], padding: 1 });
    const d = decode(fs.readFileSync(file));
    expect([d.width, d.height]).toEqual([5, 3]);
    expect([...d.pixels]).toEqual([0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test('64 images of 28 x 28 make a 242 x 242 PNG (an 8 x 8 grid)', () => {
    const file = path.join(tmp, 'grid.png');
    flint.manualSeed(0);
    savePng(flint.rand([64, 1, 28, 28]), file);
    const d = decode(fs.readFileSync(file));
    expect([d.width, d.height]).toEqual([242, 242]);
    expect(d.pixels[0]).toBe(0); // padding
  });

  test('errors name the op and what was expected', () => {
    const file = path.join(tmp, 'c.png');
    expect(() => savePng(flint.zeros([2, 3, 4, 4]), file)).toThrow(
      'savePng: expected an image [H, W], images [N, H, W] or [N, 1, H, W] (one channel) but got shape [2, 3, 4, 4]');
    expect(() => savePng(flint.zeros([4]), file)).toThrow('but got shape [4]');
    expect(() => savePng(flint.zeros([2, 2], { dtype: 'int64' }), file)).toThrow('savePng: expected a float32, float64 or uint8 tensor but got int64');
    expect(() => savePng(flint.zeros([2, 2]), file, { valueRange: [1, 0] })).toThrow('savePng: the value range must be finite with low <= high but got [1, 0]');
    expect(() => savePng(flint.zeros([2, 2]), '')).toThrow('savePng: path must be a non-empty string');
    expect(() => makeGrid(flint.zeros([2, 1, 2, 2]), { nrow: 0 })).toThrow('makeGrid: nrow must be a positive integer but got 0');
    expect(() => makeGrid([1, 2] as unknown as flint.Tensor)).toThrow('makeGrid: expected a Tensor but got object');
  });
});
