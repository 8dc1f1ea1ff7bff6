// safetensors save/load (https://github.com/huggingface/safetensors), byte-compatible with the
// reference serializer (safetensors/src/tensor.rs `prepare`):
//
//   [u64 little-endian N][N bytes of UTF-8 JSON header, space-padded to a multiple of 8][data]
//
//   header: {"__metadata__": {str: str}, "name": {"dtype": "F32", "shape": [..],
//            "data_offsets": [begin, end]}, ...}   (offsets relative to the start of data)
//
// Tensors are laid out back to back, sorted by descending dtype alignment (the reference's
// Dtype enum order: I64, F64, F32, I32, U8 for the dtypes flint has) and then by name (UTF-8
// byte order); the header is compact JSON with `__metadata__` first and the tensors in data
// order. So flint and `safetensors.torch.save_file` write identical bytes for the same tensors.
//
// Loading validates the whole header (dtypes, shapes, offsets that tile the data section
// exactly, duplicate keys, string metadata) before any tensor is created, so a bad file throws a
// SafetensorsError naming the file and the problem and never yields half a state dict.
import * as fs from 'fs';
import * as os from 'os';
import * as nodePath from 'path';
import { randomBytes } from 'crypto';
import type { TypedArrayOf } from '../../binding';
import { DType, Tensor, TYPED_ARRAYS } from '../tensor';
import { tensor } from '../ops/creation';
import { shapeStr } from '../ops/util';

/** Tensors by name, as returned by `load` and taken by `save` (a module's stateDict()). */
export type TensorDict = Record<string, Tensor>;
/** The `__metadata__` of a safetensors header: string keys to string values. */
export type SafetensorsMetadata = Record<string, string>;

export interface SafetensorsTensorInfo {
  dtype: string;
  shape: number[];
  dataOffsets: [number, number];
}
export interface SafetensorsHeader {
  metadata: SafetensorsMetadata | null;
  /** tensor name -> info, in data order */
  tensors: Record<string, SafetensorsTensorInfo>;
}

/** A malformed or unreadable safetensors file; the message names the file and the problem. */
export class SafetensorsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SafetensorsError';
  }
}

// The reference's Dtype enum, in its declaration (alignment) order. Sorting for the data layout
// compares positions in this list. Only the first five map to flint dtypes.
const ST_DTYPE_ORDER = [
  'BOOL', 'F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'I16', 'U16',
  'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64',
];
const TO_ST: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', int64: 'I64', uint8: 'U8' };
const FROM_ST: Record<string, DType> = { F32: 'float32', F64: 'float64', I32: 'int32', I64: 'int64', U8: 'uint8' };
const ELEM_SIZE: Record<DType, number> = { float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1 };
const SUPPORTED = 'F32, F64, I32, I64, U8';

/** The reference refuses headers above 100 MB; so do we (a corrupt length must not allocate). */
const MAX_HEADER_SIZE = 100_000_000;
const METADATA_KEY = '__metadata__';
const LITTLE_ENDIAN = os.endianness() === 'LE';

// ---------------------------------------------------------------------------------------------
// Saving

interface Planned {
  name: string;
  t: Tensor;
  dtype: DType;
  nbytes: number;
}

function utf8Compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Checks the inputs and builds the header; touches no tensor data. */
function prepare(
  op: string,
  sd: TensorDict,
  metadata: SafetensorsMetadata | undefined,
): { header: Buffer; plan: Planned[] } {
  if (typeof sd !== 'object' || sd === null || Array.isArray(sd)) {
    throw new TypeError(`${op}: expected a state dict (an object of tensors) but got ${describe(sd)}`);
  }
  if (sd instanceof Tensor) throw new TypeError(`${op}: expected a state dict (an object of tensors) but got a single Tensor`);
  if (typeof (sd as { stateDict?: unknown }).stateDict === 'function') {
    throw new TypeError(`${op}: expected a state dict but got a ${sd.constructor.name}; pass model.stateDict()`);
  }
  const plan: Planned[] = [];
  for (const name of Object.keys(sd)) {
    const t = sd[name];
    if (name === METADATA_KEY) throw new TypeError(`${op}: '${METADATA_KEY}' is reserved and cannot name a tensor`);
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: '${name}' is ${describe(t)}, expected a Tensor`);
    if (t.disposed) throw new TypeError(`${op}: tensor '${name}' was disposed`);
    if (!(t.dtype in TO_ST)) throw new TypeError(`${op}: tensor '${name}' has dtype ${t.dtype}, which safetensors cannot store here`);
    plan.push({ name, t, dtype: t.dtype, nbytes: t.numel() * ELEM_SIZE[t.dtype] });
  }
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw new TypeError(`${op}: metadata must be an object of strings but got ${describe(metadata)}`);
    }
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TypeError(`${op}: metadata '${k}' is ${describe(v)}, expected a string`);
    }
  }
  // Descending dtype alignment, then name (reference: `right.dtype().cmp(&left.dtype()).then(lname.cmp(rname))`).
  const rank = (d: DType) => ST_DTYPE_ORDER.indexOf(TO_ST[d]);
  plan.sort((a, b) => rank(b.dtype) - rank(a.dtype) || utf8Compare(a.name, b.name));

  // Compact JSON exactly as serde_json writes it (JSON.stringify escapes the same characters).
  const parts: string[] = [];
  if (metadata !== undefined && metadata !== null) parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const p of plan) {
    const end = offset + p.nbytes;
    parts.push(
      `${JSON.stringify(p.name)}:{"dtype":"${TO_ST[p.dtype]}","shape":${JSON.stringify(p.t.shape)},"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const n = json.length + ((8 - (json.length % 8)) % 8); // pad so the data starts 8-byte aligned
  if (n > MAX_HEADER_SIZE) throw new RangeError(`${op}: the header would be ${n} bytes, above the 100 MB limit of the format`);
  const header = Buffer.alloc(8 + n, 0x20);
  header.writeBigUInt64LE(BigInt(n), 0);
  json.copy(header, 8);
  return { header, plan };
}

/** The tensor's elements as little-endian bytes (a contiguous copy, so views are fine). */
function tensorBytes(p: Planned): Buffer {
  const arr = p.t.dataSync();
  const bytes = Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
  if (!LITTLE_ENDIAN) swapToLE(bytes, ELEM_SIZE[p.dtype]);
  return bytes;
}

function swapToLE(bytes: Buffer, size: number): void {
  if (size === 4) bytes.swap32();
  else if (size === 8) bytes.swap64();
}

/**
 * Serializes tensors to safetensors bytes in memory.
 *
 * Args: stateDict (name -> Tensor; float32, float64, int32, int64 or uint8; views are fine),
 * metadata (optional string -> string, stored as `__metadata__`).
 * Example: `const bytes = serialize(model.stateDict(), { format: 'pt' })`
 */
export function serialize(stateDict: TensorDict, metadata?: SafetensorsMetadata): Buffer {
  const { header, plan } = prepare('serialize', stateDict, metadata);
  const chunks: Buffer[] = [header];
  for (const p of plan) chunks.push(tensorBytes(p));
  return Buffer.concat(chunks);
}

/**
 * Saves tensors (a module's `stateDict()`) to `path` as safetensors, loadable by
 * `safetensors.torch.load_file` and by `load`.
 *
 * The file is written to a temporary file in the same directory, flushed to disk and renamed
 * over `path`, so `path` never holds a half-written file; on any error the temporary file is
 * removed and the error rethrown.
 *
 * Args: stateDict, path, metadata (optional string -> string map, e.g. `{ format: 'pt' }`).
 * Example: `save(model.stateDict(), 'mlp.safetensors')`
 */
export function save(stateDict: TensorDict, path: string, metadata?: SafetensorsMetadata): void {
  if (typeof path !== 'string' || path === '') throw new TypeError(`save: expected a file path but got ${describe(path)}`);
  const { header, plan } = prepare('save', stateDict, metadata);
  let target = nodePath.resolve(path);
  try {
    target = fs.realpathSync(target); // write through a symlink rather than replacing it
  } catch {
    // does not exist yet
  }
  const tmp = nodePath.join(
    nodePath.dirname(target),
    `.${nodePath.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
  let fd = -1;
  try {
    fd = fs.openSync(tmp, 'wx');
    writeAll(fd, header);
    for (const p of plan) writeAll(fd, tensorBytes(p));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = -1;
    fs.renameSync(tmp, target);
  } catch (e) {
    if (fd >= 0) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing; keep the first error
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      // never created
    }
    throw new SafetensorsError(`save: could not write '${path}': ${(e as Error).message}`, { cause: e });
  }
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

// ---------------------------------------------------------------------------------------------
// Loading

/** Where the bytes come from: a file descriptor or an in-memory buffer. */
interface Source {
  size: number;
  /** fills dst with the bytes at [pos, pos + dst.length) */
  read(dst: Uint8Array, pos: number): void;
}

interface Entry {
  name: string;
  stDtype: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

interface Parsed {
  metadata: SafetensorsMetadata | null;
  entries: Entry[]; // in data order
  dataStart: number;
}

function parse(src: Source, fail: (msg: string) => never): Parsed {
  if (src.size < 8) fail(`file is ${src.size} bytes, too short for the 8-byte header length`);
  const lenBytes = new Uint8Array(8);
  src.read(lenBytes, 0);
  const n64 = new DataView(lenBytes.buffer).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_SIZE)) fail(`header length ${n64} is above the 100 MB limit (corrupt file or not safetensors)`);
  const n = Number(n64);
  if (8 + n > src.size) fail(`header length ${n} runs past the end of the file (${src.size} bytes)`);
  const headerBytes = new Uint8Array(n);
  src.read(headerBytes, 8);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    fail('header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = parseJson(text);
  } catch (e) {
    fail(`header is not valid JSON: ${(e as Error).message}`);
  }
  if (!(json instanceof Map)) fail('header is not a JSON object');
  const dataLen = src.size - 8 - n;

  let metadata: SafetensorsMetadata | null = null;
  const entries: Entry[] = [];
  for (const [name, info] of json as Map<string, unknown>) {
    if (name === METADATA_KEY) {
      if (!(info instanceof Map)) fail(`${METADATA_KEY} is ${jsonKind(info)}, expected an object of strings`);
      metadata = {};
      for (const [k, v] of info as Map<string, unknown>) {
        if (typeof v !== 'string') fail(`${METADATA_KEY} value for '${k}' is ${jsonKind(v)}, expected a string`);
        defineKey(metadata, k, v);
      }
      continue;
    }
    entries.push(checkEntry(name, info, dataLen, fail));
  }
  // Tile check: in offset order the tensors must start at 0, follow each other without gaps or
  // overlaps, and end exactly at the end of the file.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of entries) {
    if (e.begin !== pos) {
      fail(
        e.begin < pos
          ? `tensor '${e.name}' data_offsets [${e.begin}, ${e.end}] overlap the previous tensor, which ends at ${pos}`
          : `tensor '${e.name}' data_offsets [${e.begin}, ${e.end}] leave a gap after the previous tensor, which ends at ${pos}`,
      );
    }
    pos = e.end;
  }
  if (pos !== dataLen) {
    fail(`data_offsets cover ${pos} bytes but the file holds ${dataLen} bytes of tensor data after the header`);
  }
  return { metadata, entries, dataStart: 8 + n };
}

function checkEntry(name: string, info: unknown, dataLen: number, fail: (msg: string) => never): Entry {
  const what = `tensor '${name}'`;
  if (!(info instanceof Map)) fail(`${what}: expected {dtype, shape, data_offsets} but got ${jsonKind(info)}`);
  const m = info as Map<string, unknown>;
  const stDtype = m.get('dtype');
  const shape = m.get('shape');
  const offsets = m.get('data_offsets');
  if (typeof stDtype !== 'string') fail(`${what}: dtype is ${jsonKind(stDtype)}, expected a string`);
  if (!Array.isArray(shape) || !shape.every(isUsize)) fail(`${what}: shape must be an array of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isUsize)) {
    fail(`${what}: data_offsets must be [begin, end] with non-negative integers`);
  }
  const dtype = FROM_ST[stDtype as string];
  if (!dtype) {
    if (ST_DTYPE_ORDER.includes(stDtype as string)) {
      fail(`${what} has dtype ${stDtype}, which flint does not support (supported: ${SUPPORTED})`);
    }
    fail(`${what} has unknown dtype '${stDtype}' (supported: ${SUPPORTED})`);
  }
  const [begin, end] = offsets as number[];
  if (end < begin) fail(`${what}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataLen) {
    fail(`${what}: data_offsets [${begin}, ${end}] run past the end of the data section (${dataLen} bytes)`);
  }
  let nbytes = ELEM_SIZE[dtype];
  for (const d of shape as number[]) nbytes *= d;
  if (!Number.isSafeInteger(nbytes)) fail(`${what}: shape ${shapeStr(shape as number[])} is too large`);
  if (end - begin !== nbytes) {
    fail(
      `${what}: shape ${shapeStr(shape as number[])} with dtype ${stDtype} needs ${nbytes} bytes ` +
        `but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, stDtype: stDtype as string, dtype, shape: (shape as number[]).slice(), begin, end };
}

function isUsize(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Creates every tensor; on a failure part way, frees the ones already made. */
function materialize(src: Source, p: Parsed, fail: (msg: string, cause?: unknown) => never): TensorDict {
  const made: Tensor[] = [];
  const out: TensorDict = {};
  try {
    for (const e of p.entries) {
      const numel = (e.end - e.begin) / ELEM_SIZE[e.dtype];
      const arr = new TYPED_ARRAYS[e.dtype](numel) as TypedArrayOf;
      const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
      src.read(bytes, p.dataStart + e.begin);
      if (!LITTLE_ENDIAN) swapToLE(Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength), ELEM_SIZE[e.dtype]);
      const t = tensor(arr, { shape: e.shape });
      made.push(t);
      defineKey(out, e.name, t);
    }
  } catch (err) {
    for (const t of made) t.dispose();
    if (err instanceof SafetensorsError) throw err;
    fail(`could not read tensor data: ${(err as Error).message}`, err);
  }
  return out;
}

/** Sets a key as an own property, so that a name like `__proto__` is stored, not interpreted. */
function defineKey<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function fileSource(fd: number, fail: (msg: string) => never): Source {
  return {
    size: fs.fstatSync(fd).size,
    read(dst, pos) {
      let off = 0;
      while (off < dst.length) {
        const got = fs.readSync(fd, dst, off, dst.length - off, pos + off);
        if (got === 0) fail(`file ended at byte ${pos + off} while reading (was it truncated while loading?)`);
        off += got;
      }
    },
  };
}

function bufferSource(buf: Uint8Array): Source {
  return {
    size: buf.length,
    read(dst, pos) {
      dst.set(buf.subarray(pos, pos + dst.length));
    },
  };
}

function failer(prefix: string) {
  return (msg: string, cause?: unknown): never => {
    throw new SafetensorsError(`${prefix}: ${msg}`, cause === undefined ? undefined : { cause });
  };
}

function withFile<T>(op: string, path: string, fn: (src: Source, fail: (msg: string, cause?: unknown) => never) => T): T {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${op}: expected a file path but got ${describe(path)}`);
  const fail = failer(`${op}: '${path}'`);
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    fail(`cannot open: ${(e as Error).message}`, e);
  }
  try {
    let src: Source;
    try {
      src = fileSource(fd!, fail);
    } catch (e) {
      fail(`cannot stat: ${(e as Error).message}`, e);
    }
    return fn(src!, fail);
  } catch (e) {
    if (e instanceof SafetensorsError) throw e;
    return fail((e as Error).message, e);
  } finally {
    fs.closeSync(fd!);
  }
}

/**
 * Loads a safetensors file (written by flint, `safetensors.torch.save_file`, or any other
 * writer) as tensors by name, in data order. Supported dtypes: F32, F64, I32, I64, U8.
 * Throws a SafetensorsError naming the file for a malformed file or an unsupported dtype.
 *
 * Example: `model.loadStateDict(load('mlp.safetensors'))`
 */
export function load(path: string): TensorDict {
  return withFile('load', path, (src, fail) => materialize(src, parse(src, fail), fail));
}

/** Parses safetensors bytes (as from `serialize` or a file read into memory) into tensors. */
export function deserialize(data: Uint8Array): TensorDict {
  if (!(data instanceof Uint8Array)) throw new TypeError(`deserialize: expected a Buffer or Uint8Array but got ${describe(data)}`);
  const fail = failer('deserialize: <buffer>');
  const src = bufferSource(data);
  return materialize(src, parse(src, fail), fail);
}

/**
 * Reads and validates only the header of a safetensors file or buffer: the metadata and each
 * tensor's dtype, shape and offsets, without reading tensor data (dtypes flint cannot load are
 * reported as an error, as in `load`).
 */
export function readHeader(source: string | Uint8Array): SafetensorsHeader {
  const build = (p: Parsed): SafetensorsHeader => {
    const tensors: Record<string, SafetensorsTensorInfo> = {};
    for (const e of p.entries) defineKey(tensors, e.name, { dtype: e.stDtype, shape: e.shape, dataOffsets: [e.begin, e.end] });
    return { metadata: p.metadata, tensors };
  };
  if (typeof source === 'string') return withFile('readHeader', source, (src, fail) => build(parse(src, fail)));
  if (!(source instanceof Uint8Array)) throw new TypeError(`readHeader: expected a path or a Buffer but got ${describe(source)}`);
  return build(parse(bufferSource(source), failer('readHeader: <buffer>')));
}

// ---------------------------------------------------------------------------------------------
// A strict JSON parser: JSON.parse silently keeps the last of duplicate keys, which would let a
// file carry two different tensors under one name. Objects become Maps (insertion order, and no
// prototype surprises for keys like `__proto__`); duplicate keys are an error.

const MAX_DEPTH = 64;

function parseJson(s: string): unknown {
  let i = 0;
  const err = (msg: string): never => {
    throw new Error(`${msg} at position ${i}`);
  };
  const ws = () => {
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    while (true) {
      if (i >= s.length) err('unterminated string');
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        out += s.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) err('control character in string');
      if (c === 0x5c) {
        out += s.slice(start, i);
        const e = s[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
          i += 6;
        } else err('invalid escape in string');
        start = i;
        continue;
      }
      i++;
    }
  };
  const NUM = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (depth: number): unknown => {
    if (depth > MAX_DEPTH) err(`nesting deeper than ${MAX_DEPTH}`);
    ws();
    const c = s[i];
    if (c === '{') {
      i++;
      const m = new Map<string, unknown>();
      ws();
      if (s[i] === '}') {
        i++;
        return m;
      }
      while (true) {
        ws();
        if (s[i] !== '"') err('expected a string key');
        const keyPos = i;
        const k = str();
        if (m.has(k)) {
          i = keyPos;
          err(`duplicate key ${JSON.stringify(k)}`);
        }
        ws();
        if (s[i] !== ':') err("expected ':'");
        i++;
        m.set(k, value(depth + 1));
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === '}') {
          i++;
          return m;
        }
        err("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const a: unknown[] = [];
      ws();
      if (s[i] === ']') {
        i++;
        return a;
      }
      while (true) {
        a.push(value(depth + 1));
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ']') {
          i++;
          return a;
        }
        err("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    for (const [lit, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (s.startsWith(lit, i)) {
        i += lit.length;
        return v;
      }
    }
    NUM.lastIndex = i;
    const mm = NUM.exec(s);
    if (mm) {
      i += mm[0].length;
      return Number(mm[0]);
    }
    return err(i >= s.length ? 'unexpected end of input' : `unexpected character ${JSON.stringify(s[i])}`);
  };
  const v = value(0);
  ws();
  if (i < s.length) err('unexpected trailing characters');
  return v;
}

function jsonKind(v: unknown): string {
  if (v instanceof Map) return 'an object';
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return `a ${typeof v}`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `a ${v.constructor?.name ?? 'object'}`;
  return `a ${typeof v} (${String(v).slice(0, 40)})`;
}
