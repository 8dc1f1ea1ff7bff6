// IDX files (LeCun's MNIST format), plain or gzip-compressed.
// Layout (big-endian): magic = 0x0000 | type (0x08 = unsigned byte) | ndims, then ndims uint32
// sizes, then the elements row-major. Images are magic 2051 ([N, rows, cols]), labels 2049 ([N]).
import * as fs from 'fs';
import * as zlib from 'zlib';

export interface IdxArray {
  /** sizes from the header, e.g. [60000, 28, 28] */
  shape: number[];
  /** the elements, row-major (a view of the decompressed file, past the header) */
  data: Uint8Array;
}

export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

/**
 * Parses an IDX file held in memory (already decompressed). `name` is used in error messages;
 * `expectMagic` (2051 for images, 2049 for labels) is checked when given.
 */
export function parseIdx(buf: Uint8Array, name: string, expectMagic?: number): IdxArray {
  if (buf.length < 4) {
    throw new Error(`readIdx: ${name} is truncated: expected at least a 4-byte header but the file has ${buf.length} bytes`);
  }
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0, false);
  const type = (magic >>> 8) & 0xff;
  const ndim = magic & 0xff;
  if (expectMagic !== undefined && magic !== expectMagic) {
    throw new Error(`readIdx: ${name} is not an IDX ${expectMagic === IDX_IMAGES_MAGIC ? 'image' : 'label'} file: ` +
      `expected magic number ${expectMagic} but found ${magic}`);
  }
  if (magic >>> 16 !== 0 || type !== 0x08 || ndim === 0) {
    throw new Error(`readIdx: ${name} is not an unsigned-byte IDX file (magic number ${magic}; expected 2049 or 2051)`);
  }
  const headerBytes = 4 + 4 * ndim;
  if (buf.length < headerBytes) {
    throw new Error(`readIdx: ${name} is truncated: expected a ${headerBytes}-byte header but the file has ${buf.length} bytes`);
  }
  const shape: number[] = [];
  let numel = 1;
  for (let i = 0; i < ndim; i++) {
    const d = dv.getUint32(4 + 4 * i, false);
    shape.push(d);
    numel *= d;
  }
  const expected = headerBytes + numel;
  if (buf.length !== expected) {
    const what = buf.length < expected ? 'is truncated' : 'has trailing bytes';
    throw new Error(`readIdx: ${name} ${what}: its header [${shape.join(', ')}] needs ${expected} bytes ` +
      `(after decompression) but the file has ${buf.length}`);
  }
  return { shape, data: buf.subarray(headerBytes) };
}

/**
 * Reads an IDX file from disk; names ending in `.gz` are gunzipped. A file cut short (the .gz
 * stream or the data) throws an error naming the file and the expected and actual sizes.
 */
export function readIdx(file: string, expectMagic?: number): IdxArray {
  const raw = fs.readFileSync(file);
  if (!file.endsWith('.gz')) return parseIdx(raw, file, expectMagic);
  let buf: Uint8Array;
  try {
    buf = zlib.gunzipSync(raw);
  } catch (e) {
    // Recover what the stream holds so that the error can say how much is missing.
    let partial: Uint8Array | null = null;
    try {
      partial = zlib.gunzipSync(raw, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch {
      partial = null;
    }
    if (partial) {
      const got = partial.length;
      const detail = idxSizeFromHeader(partial);
      if (detail) {
        throw new Error(`readIdx: ${file} is truncated: the gzip stream ends early (${raw.length} bytes on disk); ` +
          `its header [${detail.shape.join(', ')}] needs ${detail.bytes} bytes after decompression but only ${got} could be read. ` +
          'Delete the file and fetch it again');
      }
    }
    throw new Error(`readIdx: cannot decompress ${file} (${raw.length} bytes on disk): ${(e as Error).message}. ` +
      'The file is damaged or truncated; delete it and fetch it again');
  }
  return parseIdx(buf, file, expectMagic);
}

/** The shape and total byte size an IDX header announces, or null if the header is incomplete. */
function idxSizeFromHeader(buf: Uint8Array): { shape: number[]; bytes: number } | null {
  if (buf.length < 4) return null;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const ndim = dv.getUint32(0, false) & 0xff;
  if (buf.length < 4 + 4 * ndim) return null;
  const shape: number[] = [];
  let n = 1;
  for (let i = 0; i < ndim; i++) {
    shape.push(dv.getUint32(4 + 4 * i, false));
    n *= shape[i];
  }
  return { shape, bytes: 4 + 4 * ndim + n };
}
