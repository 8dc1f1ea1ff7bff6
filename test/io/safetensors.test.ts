// safetensors save/load: round trips within flint, byte-exact layout against the reference
// serializer's own test vectors, every malformed-file case, atomic saves, and round trips with
// PyTorch through test/python/safetensors_mini.py (skipped when python3 cannot import torch).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { Tensor, tensor, arange, manualSeed, randn, nn, noGrad } from '../../lib';
import { save, load, serialize, deserialize, readHeader } from '../../lib/io';

const PY_DIR = path.join(__dirname, '..', 'python');
const PYTHON = process.env.FLINT_PYTHON ?? '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 120_000 });
const HAVE_TORCH = probe.status === 0;
if (!HAVE_TORCH) {
  const why = probe.error ? probe.error.message : (probe.stderr || '').trim().split('\n').pop();
  console.warn(`safetensors.test: skipping the PyTorch round-trip tests: \`${PYTHON} -c "import torch"\` failed (${why})`);
}
const itTorch = HAVE_TORCH ? it : it.skip;

function runPython(script: string, args: string[]): Record<string, unknown> {
  const r = spawnSync(PYTHON, [path.join(PY_DIR, script), ...args], {
    cwd: PY_DIR,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`${script} failed (status ${r.status}):\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-safetensors-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
const file = (name: string) => path.join(dir, name);

function bytesOf(t: Tensor): Uint8Array {
  const a = t.dataSync();
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function expectSameTensor(got: Tensor, want: Tensor): void {
  expect(got.dtype).toBe(want.dtype);
  expect(got.shape).toEqual(want.shape);
  expect(Buffer.from(bytesOf(got)).equals(Buffer.from(bytesOf(want)))).toBe(true);
}

/** A safetensors file from a header (object or raw JSON text) and data bytes. */
function rawFile(header: object | string | Buffer, data: Uint8Array | number = 0, pad = true): Buffer {
  let json = Buffer.isBuffer(header) ? header : Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  if (pad) json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const body = typeof data === 'number' ? Buffer.alloc(data) : Buffer.from(data);
  return Buffer.concat([len, json, body]);
}

function sampleDict(): Record<string, Tensor> {
  return {
    'w.f32': arange(12).reshape(3, 4).mul(0.5),
    'w.f64': tensor(new Float64Array([1 / 3, -2.5, 1e300, -0, Infinity, NaN]), { shape: [2, 3] }),
    'idx.i64': tensor(new BigInt64Array([-(2n ** 63n), -1n, 0n, 1n, 2n ** 62n + 1n, 2n ** 63n - 1n]), { shape: [6] }),
    'img.u8': tensor(new Uint8Array([0, 1, 127, 128, 254, 255]), { shape: [1, 2, 3] }),
    'lbl.i32': tensor(new Int32Array([-(2 ** 31), -5, 0, 7, 2 ** 31 - 1]), { shape: [5] }),
    'view.t': arange(6).reshape(2, 3).t(), // non-contiguous
    scalar: tensor(new Float32Array([3.25]), { shape: [] }),
    empty: tensor(new Float32Array(0), { shape: [0, 4] }),
  };
}

describe('safetensors round trip in flint', () => {
  it('keeps dtype, shape and every bit of float32/float64/int64/uint8/int32 tensors and views', () => {
    const sd = sampleDict();
    expect(sd['view.t'].isContiguous()).toBe(false);
    save(sd, file('rt.safetensors'), { format: 'pt', note: 'héllo "quoted"\n' });
    const back = load(file('rt.safetensors'));
    expect(Object.keys(back).sort()).toEqual(Object.keys(sd).sort());
    for (const k of Object.keys(sd)) expectSameTensor(back[k], sd[k]);
    expect(back['view.t'].toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(readHeader(file('rt.safetensors')).metadata).toEqual({ format: 'pt', note: 'héllo "quoted"\n' });
    // serialize/deserialize (in memory) give the same bytes and tensors as the file
    const bytes = serialize(sd, { format: 'pt', note: 'héllo "quoted"\n' });
    expect(bytes.equals(fs.readFileSync(file('rt.safetensors')))).toBe(true);
    const mem = deserialize(bytes);
    for (const k of Object.keys(sd)) expectSameTensor(mem[k], sd[k]);
  });

  it('lays tensors out like the reference: by descending dtype alignment, then name', () => {
    const h = readHeader(serialize(sampleDict()));
    expect(h.metadata).toBeNull();
    expect(Object.keys(h.tensors)).toEqual(['idx.i64', 'w.f64', 'empty', 'scalar', 'view.t', 'w.f32', 'lbl.i32', 'img.u8']);
    expect(h.tensors['w.f64']).toEqual({ dtype: 'F64', shape: [2, 3], dataOffsets: [48, 96] });
    const buf = serialize(sampleDict());
    expect((8 + Number(buf.readBigUInt64LE(0))) % 8).toBe(0);
  });

  it('writes the exact bytes of the reference serializer test vectors', () => {
    // huggingface/safetensors safetensors/src/tensor.rs: test_serialization, test_empty,
    // test_serialization_forced_alignement
    const f6 = new Float32Array([0, 1, 2, 3, 4, 5]);
    const le = (n: number) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(n));
      return b;
    };
    const data = Buffer.from(f6.buffer);
    expect(serialize({ 'attn.0': tensor(f6, { shape: [1, 2, 3] }) })).toEqual(
      Buffer.concat([le(64), Buffer.from('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'), data]),
    );
    expect(serialize({ attn0: tensor(f6, { shape: [1, 1, 2, 3] }) })).toEqual(
      Buffer.concat([le(72), Buffer.from('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       '), data]),
    );
    expect(serialize({})).toEqual(Buffer.concat([le(8), Buffer.from('{}      ')]));
    expect(serialize({}, { framework: 'pt' })).toEqual(
      Buffer.concat([le(40), Buffer.from('{"__metadata__":{"framework":"pt"}}     ')]),
    );
  });

  it('keeps unusual key names as plain own keys', () => {
    const sd: Record<string, Tensor> = {};
    Object.defineProperty(sd, '__proto__', { value: tensor([1, 2]), enumerable: true });
    sd['ünï.cödé 🔥'] = tensor([3]);
    sd['constructor'] = tensor([4]);
    const back = deserialize(serialize(sd));
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back).sort()).toEqual(Object.keys(sd).sort());
    expect(Array.from(back['__proto__'].dataSync() as ArrayLike<number>)).toEqual([1, 2]);
    expect(Array.from(back['ünï.cödé 🔥'].dataSync() as ArrayLike<number>)).toEqual([3]);
  });

  it("round-trips a model's state dict: a fresh model loads it and gives identical outputs", () => {
    const make = () => new nn.Sequential(new nn.Linear(20, 32), new nn.ReLU(), new nn.Linear(32, 16), new nn.ReLU(), new nn.Linear(16, 3));
    manualSeed(1);
    const a = make();
    manualSeed(2);
    const b = make();
    const x = randn([5, 20]);
    save(a.stateDict(), file('model.safetensors'));
    const sd = load(file('model.safetensors'));
    expect(Object.keys(sd).sort()).toEqual(Object.keys(a.stateDict()).sort());
    noGrad(() => {
      expect(Array.from(b.forward(x).dataSync() as ArrayLike<number>)).not.toEqual(Array.from(a.forward(x).dataSync() as ArrayLike<number>));
      b.loadStateDict(sd);
      expect(Array.from(b.forward(x).dataSync() as ArrayLike<number>)).toEqual(Array.from(a.forward(x).dataSync() as ArrayLike<number>));
    });
  });

  it('replaces an existing file', () => {
    save({ a: tensor([1]) }, file('replace.safetensors'));
    save({ b: tensor([2, 3]) }, file('replace.safetensors'));
    expect(Object.keys(load(file('replace.safetensors')))).toEqual(['b']);
  });
});

describe('save errors', () => {
  const listing = (d: string) => fs.readdirSync(d).sort();

  it('throws for a path in a missing directory', () => {
    expect(() => save({ a: tensor([1]) }, path.join(dir, 'no-such-dir', 'x.safetensors'))).toThrow(
      /save: could not write '.*no-such-dir.x\.safetensors': ENOENT/,
    );
  });

  it('throws for an unwritable target and leaves no temporary file behind', () => {
    const d = fs.mkdtempSync(path.join(dir, 'unwritable-'));
    fs.mkdirSync(path.join(d, 'taken')); // a directory where the file should go: rename fails
    expect(() => save({ a: tensor([1, 2, 3]) }, path.join(d, 'taken'))).toThrow(/save: could not write '.*taken'/);
    expect(listing(d)).toEqual(['taken']);
    expect(fs.statSync(path.join(d, 'taken')).isDirectory()).toBe(true);
  });

  it('a failure part way through writing leaves the previous file intact and no temporary file', () => {
    const d = fs.mkdtempSync(path.join(dir, 'midway-'));
    const p = path.join(d, 'm.safetensors');
    save({ old: tensor([7, 8]) }, p);
    const before = fs.readFileSync(p);
    const bad = tensor([1, 2, 3]);
    bad.dataSync = () => {
      throw new Error('simulated read failure');
    };
    // 'a' sorts before 'z' (both float32), so the header and 'a' are written before the failure
    expect(() => save({ a: tensor([4, 5]), z: bad }, p)).toThrow(/save: could not write .*simulated read failure/);
    expect(listing(d)).toEqual(['m.safetensors']);
    expect(fs.readFileSync(p).equals(before)).toBe(true);
  });

  it('refuses bad inputs before creating any file', () => {
    const d = fs.mkdtempSync(path.join(dir, 'inputs-'));
    const p = path.join(d, 'x.safetensors');
    const gone = tensor([1]);
    gone.dispose();
    expect(() => save({ a: [1, 2] as unknown as Tensor }, p)).toThrow(/save: 'a' is an array, expected a Tensor/);
    expect(() => save(new nn.Linear(2, 2) as unknown as Record<string, Tensor>, p)).toThrow(/got a Linear; pass model\.stateDict\(\)/);
    expect(() => save({ a: gone }, p)).toThrow(/tensor 'a' was disposed/);
    expect(() => save({ __metadata__: tensor([1]) }, p)).toThrow(/'__metadata__' is reserved/);
    expect(() => save({ a: tensor([1]) }, p, { epoch: 3 } as unknown as Record<string, string>)).toThrow(
      /metadata 'epoch' is a number \(3\), expected a string/,
    );
    expect(() => save({ a: tensor([1]) }, '')).toThrow(/save: expected a file path/);
    expect(listing(d)).toEqual([]);
  });
});

describe('load errors: malformed files name the file and the problem', () => {
  const f32x6 = { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] };
  const cases: [string, Buffer, RegExp][] = [
    ['shorter than 8 bytes', Buffer.from([1, 0, 0]), /file is 3 bytes, too short for the 8-byte header length/],
    ['empty file', Buffer.alloc(0), /file is 0 bytes/],
    ['header length past the end', Buffer.concat([Buffer.from([0xe8, 3, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')]),
      /header length 1000 runs past the end of the file \(10 bytes\)/],
    ['absurd header length', Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7b, 0x7d]),
      /header length 18446744073709551615 is above the 100 MB limit/],
    ['invalid JSON', rawFile('{"a": {"dtype": "F32",', 0), /header is not valid JSON: .*position/],
    ['header not UTF-8', rawFile(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 0), /header is not valid UTF-8/],
    ['header not an object', rawFile('[1, 2]'), /header is not a JSON object/],
    ['trailing garbage after JSON', rawFile('{} x'), /not valid JSON: unexpected trailing characters/],
    ['unknown dtype', rawFile({ w: { ...f32x6, dtype: 'F33' } }, 24), /tensor 'w' has unknown dtype 'F33' \(supported: F32, F64, I32, I64, U8\)/],
    ['BF16', rawFile({ w: { dtype: 'BF16', shape: [2], data_offsets: [0, 4] } }, 4), /tensor 'w' has dtype BF16, which flint does not support/],
    ['F16', rawFile({ h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, 4), /tensor 'h' has dtype F16, which flint does not support/],
    ['BOOL', rawFile({ m: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, 2), /tensor 'm' has dtype BOOL, which flint does not support/],
    ['shape/offsets mismatch', rawFile({ w: { ...f32x6, data_offsets: [0, 20] } }, 20),
      /tensor 'w': shape \[2, 3\] with dtype F32 needs 24 bytes but data_offsets \[0, 20\] hold 20/],
    ['offsets past the end', rawFile({ w: f32x6 }, 16), /tensor 'w': data_offsets \[0, 24\] run past the end of the data section \(16 bytes\)/],
    ['offsets reversed', rawFile({ w: { ...f32x6, data_offsets: [24, 0] } }, 24), /tensor 'w': data_offsets \[24, 0\] end before they begin/],
    ['negative offset', rawFile({ w: { ...f32x6, data_offsets: [-24, 0] } }, 24), /tensor 'w': data_offsets must be \[begin, end\]/],
    ['non-integer shape', rawFile({ w: { ...f32x6, shape: [2, 'x'] } }, 24), /tensor 'w': shape must be an array of non-negative integers/],
    ['missing data_offsets', rawFile({ w: { dtype: 'F32', shape: [2] } }, 8), /tensor 'w': data_offsets must be/],
    ['entry not an object', rawFile({ w: 5 }, 0), /tensor 'w': expected \{dtype, shape, data_offsets\} but got a number/],
    ['overlapping tensors',
      rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12),
      /tensor 'b' data_offsets \[4, 12\] overlap the previous tensor, which ends at 8/],
    ['same tensor data twice',
      rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 8),
      /tensor 'b' data_offsets \[0, 8\] overlap the previous tensor/],
    ['gap between tensors',
      rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [12, 20] } }, 20),
      /tensor 'b' data_offsets \[12, 20\] leave a gap after the previous tensor, which ends at 8/],
    ['data not starting at 0', rawFile({ a: { dtype: 'U8', shape: [2], data_offsets: [2, 4] } }, 4), /tensor 'a' data_offsets \[2, 4\] leave a gap/],
    ['trailing bytes after the last tensor', rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 12),
      /data_offsets cover 8 bytes but the file holds 12 bytes of tensor data/],
    ['duplicate keys',
      rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8),
      /header is not valid JSON: duplicate key "a"/],
    ['non-string metadata', rawFile({ __metadata__: { epoch: 3 } }), /__metadata__ value for 'epoch' is a number, expected a string/],
    ['metadata not an object', rawFile({ __metadata__: 'pt' }), /__metadata__ is a string, expected an object of strings/],
    ['deep nesting', rawFile(`{"a":${'['.repeat(200)}${']'.repeat(200)}}`), /nesting deeper than 64/],
    ['huge shape', rawFile({ w: { dtype: 'F64', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 8] } }, 8), /tensor 'w': shape .* is too large/],
  ];
  it.each(cases)('%s', (name, bytes, message) => {
    const p = file(`bad-${name.replace(/[^a-z0-9]+/gi, '_')}.safetensors`);
    fs.writeFileSync(p, bytes);
    let err: Error | undefined;
    try {
      load(p);
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeDefined();
    expect(err!.name).toBe('SafetensorsError');
    expect(err!.message).toContain(`load: '${p}': `);
    expect(err!.message).toMatch(message);
    expect(() => deserialize(bytes)).toThrow(message);
  });

  it('a missing file names the path', () => {
    expect(() => load(file('nope.safetensors'))).toThrow(/load: '.*nope\.safetensors': cannot open: ENOENT/);
  });

  it('accepts any valid layout, not only the reference order', () => {
    // names out of order, u8 before f64, no padding, extra whitespace and fields
    const data = Buffer.concat([Buffer.from([9, 8]), Buffer.from(new Float64Array([1.5, -2]).buffer)]);
    const bytes = rawFile(
      ' { "z": {"dtype": "U8", "shape": [2], "data_offsets": [0, 2], "extra": true},\n "a": {"data_offsets": [2, 18], "shape": [1, 2], "dtype": "F64"} } ',
      data,
      false,
    );
    const sd = deserialize(bytes);
    expect(Object.keys(sd)).toEqual(['z', 'a']);
    expect(Array.from(sd.z.dataSync() as ArrayLike<number>)).toEqual([9, 8]);
    expect(sd.a.toArray()).toEqual([[1.5, -2]]);
  });
});

describe('PyTorch interop (Python: struct + json + torch, no safetensors package)', () => {
  itTorch('Python reads flint\'s file, modifies it, writes one back, flint loads it', () => {
    const sd = sampleDict();
    delete sd['w.f64']; // NaN does not compare equal in the Python check; bit-exactness is tested above
    sd['w.f64'] = tensor(new Float64Array([1 / 3, -2.5, 1e300, 0.1]), { shape: [2, 2] });
    const metadata = { format: 'pt', source: 'flint' };
    save(sd, file('to_py.safetensors'), metadata);
    const expected = {
      metadata,
      tensors: Object.fromEntries(
        Object.entries(sd).map(([k, t]) => [
          k,
          { dtype: { float32: 'F32', float64: 'F64', int32: 'I32', int64: 'I64', uint8: 'U8' }[t.dtype], shape: t.shape,
            values: Array.from(t.dataSync() as ArrayLike<number | bigint>, (v) => String(v)) },
        ]),
      ),
    };
    fs.writeFileSync(file('expected.json'), JSON.stringify(expected));
    const res = runPython('roundtrip.py', [file('to_py.safetensors'), file('expected.json'), file('from_py.safetensors')]);
    expect(res).toEqual({ ok: true, sameBytes: true, n: Object.keys(sd).length });

    const back = load(file('from_py.safetensors'));
    expect(readHeader(file('from_py.safetensors')).metadata).toEqual({ ...metadata, writer: 'python' });
    expect(Object.keys(back).sort()).toEqual([...Object.keys(sd), 'python.added', 'python.pi'].sort());
    for (const [k, t] of Object.entries(sd)) {
      const want = t.dtype === 'float32' || t.dtype === 'float64' ? t.mul(2) : t.dtype === 'int64'
        ? tensor(BigInt64Array.from(t.dataSync() as BigInt64Array, (v) => BigInt.asIntN(64, v + 7n)), { shape: t.shape })
        // torch's integer add wraps around (uint8 mod 256, int32 two's complement)
        : tensor(Array.from(t.dataSync() as ArrayLike<number>, (v) => (t.dtype === 'uint8' ? (v + 7) & 255 : (v + 7) | 0)), { dtype: t.dtype, shape: t.shape });
      expectSameTensor(back[k], want.dtype === t.dtype ? want : want.to(t.dtype));
    }
    expectSameTensor(back['python.added'], tensor(new BigInt64Array([0n, 3n, 6n, 9n, 12n]), { shape: [5] }));
    expectSameTensor(back['python.pi'], tensor(new Float64Array([Math.PI, -0.5]), { shape: [1, 2] }));
  });

  itTorch('a PyTorch MLP (784-512-256-10) loads into flint and gives the same outputs, and back', () => {
    runPython('torch_mlp.py', ['make', dir]);
    const make = () => new nn.Sequential(
      new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 256), new nn.ReLU(), new nn.Linear(256, 10),
    );
    const model = make();
    const sd = load(file('torch_model.safetensors'));
    expect(Object.keys(sd).sort()).toEqual(Object.keys(model.stateDict()).sort());
    expect(readHeader(file('torch_model.safetensors')).metadata).toEqual({ format: 'pt' });
    model.loadStateDict(sd);
    const { x, y } = load(file('torch_io.safetensors'));
    expect(x.shape).toEqual([16, 784]);
    const out = noGrad(() => model.forward(x));
    expect(out.shape).toEqual([16, 10]);
    const got = out.dataSync() as Float32Array;
    const want = y.dataSync() as Float32Array;
    // 1e-5 relative to the output's scale, and allclose(rtol 1e-5, atol 1e-6) per element (both
    // sides are float32 GEMMs with different summation orders; each is ~1e-7 from a float64 oracle)
    let maxDiff = 0;
    let maxAbs = 0;
    let bad = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(got[i] - want[i]);
      maxDiff = Math.max(maxDiff, d);
      maxAbs = Math.max(maxAbs, Math.abs(want[i]));
      if (d > 1e-5 * Math.abs(want[i]) + 1e-6) bad++;
    }
    expect(maxDiff / maxAbs).toBeLessThan(1e-5);
    expect(bad).toBe(0);

    // and back: flint's weights (freshly initialised) and outputs, checked by torch
    manualSeed(7);
    const mine = make();
    const xs = randn([8, 784]);
    save(mine.stateDict(), file('flint_model.safetensors'));
    save({ x: xs, y: noGrad(() => mine.forward(xs)) }, file('flint_io.safetensors'));
    const res = runPython('torch_mlp.py', ['check', dir]);
    expect(res.ok).toBe(true);
    expect(res.maxRelErr as number).toBeLessThan(1e-5);
    expect(res.allclose).toBe(true);
  });
});
