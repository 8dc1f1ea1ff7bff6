// PNG writing: 8-bit grayscale images (colour type 0, no interlace), the smallest valid file:
// signature, IHDR, one IDAT (zlib deflate of the scanlines, each led by filter byte 0 = None),
// IEND. Each chunk is length (u32 BE), type, data, CRC-32 of type + data.
// Source: the PNG specification (W3C, 3rd edition): 5.2 signature, 5.3 chunk layout,
// 11.2.1 IHDR, 7.3 filtering, annex D (the CRC-32 of ISO 3309 / ITU-T V.42, as zlib computes it).
import * as fs from 'fs';
import * as zlib from 'zlib';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

// CRC-32, reflected polynomial 0xedb88320, one table entry per byte value (annex D).
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of bytes (continuing from crc, the value for the bytes before), as zlib.crc32. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Encodes a width x height 8-bit grayscale image (pixels row-major, top row first, one byte a
 * pixel: 0 black, 255 white) as a PNG file's bytes.
 */
export function encodePng(pixels: Uint8Array, width: number, height: number): Buffer {
  for (const [n, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) throw new RangeError(`encodePng: ${n} must be an integer in [1, 2^31) but got ${v}`);
  }
  if (!(pixels instanceof Uint8Array) || pixels.length !== width * height) {
    throw new RangeError(`encodePng: expected ${width * height} pixels (${width} x ${height}) as a Uint8Array but got ${
      pixels instanceof Uint8Array ? pixels.length : typeof pixels}`);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // colour type: grayscale
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method 0 (adaptive, per scanline)
  ihdr[12] = 0; // no interlace
  // Scanlines: a filter-type byte (0: None) then the row's bytes.
  const raw = Buffer.alloc(height * (width + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** Writes pixels (see encodePng) to path as a PNG file. */
export function writePng(path: string, pixels: Uint8Array, width: number, height: number): void {
  fs.writeFileSync(path, encodePng(pixels, width, height));
}
