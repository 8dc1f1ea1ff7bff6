// Training checkpoints: everything `fit` needs to continue a run where it stopped, in one
// safetensors file written atomically (io.save: a temporary file in the same folder, fsynced,
// then renamed over the target; on any error the temporary file is removed, so the path holds
// either the previous checkpoint or the new one, never half of one).
//
//   tensors   model.<key>                   the model's state dict (PyTorch keys: model.fc1.weight)
//             optimizer.state.<i>.<name>    the optimizer's state tensors (optim.stateDictToSafetensors)
//             callbacks.<name>.<key>        tensors a callback keeps (earlyStopping's best weights)
//   metadata  format                        'flint.checkpoint'
//             flint.checkpoint.version      '1'
//             flint.epoch                   epochs completed
//             flint.signature               JSON [[key, shape], ...] of the model's state dict
//             flint.optimizer               JSON { param_groups, state } (numbers only)
//             flint.optimizer.class         'SGD', 'Adam', ...
//             flint.scheduler               JSON of the scheduler's stateDict() (+ its class)
//             flint.history                 JSON of the history so far
//             flint.callbacks               JSON of each named callback's state
//             flint.fit                     JSON { seed, epochs }
// JSON here keeps non-finite numbers (ReduceLROnPlateau's best starts at Infinity) as
// { "$float": "Infinity" }.
//
// The model's weights alone: `loadCheckpoint(path).model`, or `flint eval --weights` on the file.
import * as fs from 'fs';
import * as nodePath from 'path';
import { Tensor } from '../tensor';
import { Module } from '../nn/module';
import { save, load, readHeader, TensorDict } from '../io/safetensors';
import type { Optimizer, OptimizerStateDict } from '../optim/optimizer';
import { stateDictToSafetensors, stateDictFromSafetensors, OPTIMIZER_METADATA_KEY } from '../optim/serialize';

export const CHECKPOINT_FORMAT = 'flint.checkpoint';
const VERSION = '1';

/** A model's state dict keys and shapes, in state dict order. */
export type ModelSignature = Array<[string, number[]]>;

type Json = number | string | boolean | null | Json[] | { [k: string]: Json };

/** A callback's saved state: plain JSON and, optionally, tensors. */
export interface CallbackState {
  json?: Json;
  tensors?: Record<string, Tensor>;
}

/** What a checkpoint holds (see the file header). */
export interface Checkpoint {
  /** epochs completed when it was written */
  epoch: number;
  /** the model's state dict */
  model: TensorDict;
  signature: ModelSignature;
  optimizer?: OptimizerStateDict;
  optimizerClass?: string;
  scheduler?: { class: string; state: Record<string, Json> };
  history?: Record<string, number[]>;
  callbacks?: Record<string, CallbackState>;
  /** fit's options that a resumed run must share: the seed of the per-epoch data order */
  fit?: { seed: number; epochs: number };
  /** the file's other metadata entries */
  metadata: Record<string, string>;
}

export interface SaveCheckpointOptions {
  model: Module;
  optimizer?: Optimizer<any>;
  scheduler?: { stateDict(): Record<string, any> } | null;
  epoch: number;
  history?: Record<string, number[]>;
  callbacks?: Record<string, CallbackState>;
  fit?: { seed: number; epochs: number };
  /** extra string metadata */
  metadata?: Record<string, string>;
}

/** JSON.stringify that keeps Infinity, -Infinity and NaN (as { "$float": "Infinity" }). */
export function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? { $float: String(x) } : x));
}
/** The inverse of toJson. */
export function fromJson(s: string): any {
  return JSON.parse(s, (_k, x) => {
    if (x && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 1 && typeof x.$float === 'string') {
      return Number(x.$float);
    }
    return x;
  });
}

/** The keys and shapes of a model's state dict (parameters and buffers), in order. */
export function modelSignature(model: Module | Record<string, { shape: number[] }>): ModelSignature {
  const sd = model instanceof Module ? model.stateDict() : model;
  return Object.entries(sd).map(([k, t]) => [k, t.shape.slice()]);
}

const shapeStr = (s: number[]) => `[${s.join(', ')}]`;

/**
 * Throws when a saved signature (from a checkpoint or a weights file) does not fit the model,
 * naming the first mismatch in the model's state dict order, then the first extra saved key:
 *   "<what> does not fit MLP: fc1.weight is [128, 784] there but [512, 784] in the model"
 */
export function checkSignature(model: Module, saved: ModelSignature, what: string): void {
  const mine = modelSignature(model);
  const theirs = new Map(saved.map(([k, s]) => [k, s]));
  const name = model.constructor.name;
  for (const [k, s] of mine) {
    const t = theirs.get(k);
    if (!t) {
      throw new Error(`${what} does not fit ${name}: the model's ${k} ${shapeStr(s)} is not in it` +
        (saved.length ? ` (it holds ${saved.slice(0, 3).map(([n, sh]) => `${n} ${shapeStr(sh)}`).join(', ')}${saved.length > 3 ? ', ...' : ''})` : ''));
    }
    if (t.join() !== s.join()) throw new Error(`${what} does not fit ${name}: ${k} is ${shapeStr(t)} there but ${shapeStr(s)} in the model`);
  }
  const own = new Set(mine.map(([k]) => k));
  const extra = saved.find(([k]) => !own.has(k));
  if (extra) throw new Error(`${what} does not fit ${name}: it holds ${extra[0]} ${shapeStr(extra[1])}, which the model does not have`);
}

/**
 * Writes a checkpoint atomically (see the file header). The folder must exist.
 * Example: saveCheckpoint('ckpt.safetensors', { model, optimizer, epoch: 3, history })
 */
export function saveCheckpoint(path: string, o: SaveCheckpointOptions): void {
  if (typeof path !== 'string' || path === '') throw new TypeError('saveCheckpoint: expected a file path');
  if (!(o?.model instanceof Module)) throw new TypeError('saveCheckpoint: expected { model } to be an nn.Module');
  if (!Number.isInteger(o.epoch) || o.epoch < 0) throw new RangeError(`saveCheckpoint: epoch must be an integer >= 0 but got ${o.epoch}`);
  const tensors: Record<string, Tensor> = {};
  const sd = o.model.stateDict();
  for (const [k, t] of Object.entries(sd)) tensors[`model.${k}`] = t;
  const metadata: Record<string, string> = {
    ...(o.metadata ?? {}),
    format: CHECKPOINT_FORMAT,
    'flint.checkpoint.version': VERSION,
    'flint.epoch': String(o.epoch),
    'flint.signature': JSON.stringify(modelSignature(sd)),
  };
  if (o.optimizer) {
    const { tensors: ot, metadata: om } = stateDictToSafetensors(o.optimizer.stateDict());
    for (const [k, t] of Object.entries(ot)) tensors[`optimizer.${k}`] = t;
    metadata['flint.optimizer'] = om[OPTIMIZER_METADATA_KEY];
    metadata['flint.optimizer.class'] = o.optimizer.constructor.name;
  }
  if (o.scheduler) metadata['flint.scheduler'] = toJson({ class: o.scheduler.constructor.name, state: o.scheduler.stateDict() });
  if (o.history) metadata['flint.history'] = toJson(o.history);
  if (o.fit) metadata['flint.fit'] = toJson(o.fit);
  if (o.callbacks) {
    const json: Record<string, Json> = {};
    for (const [name, st] of Object.entries(o.callbacks)) {
      if (name.includes('.')) throw new RangeError(`saveCheckpoint: callback name '${name}' contains a '.'`);
      json[name] = st.json ?? null;
      for (const [k, t] of Object.entries(st.tensors ?? {})) tensors[`callbacks.${name}.${k}`] = t;
    }
    metadata['flint.callbacks'] = toJson(json);
  }
  save(tensors, path, metadata);
}

/** Whether a safetensors file is a checkpoint (rather than a plain state dict). */
export function isCheckpoint(path: string): boolean {
  return readHeader(path).metadata?.format === CHECKPOINT_FORMAT;
}

/**
 * Reads a checkpoint written by saveCheckpoint (or the checkpoint callback). Throws naming the
 * file when it is missing, not a safetensors file, or not a checkpoint.
 */
export function loadCheckpoint(path: string): Checkpoint {
  const file = nodePath.resolve(path);
  if (!fs.existsSync(file)) throw new Error(`checkpoint ${file} does not exist`);
  const meta = readHeader(file).metadata ?? {};
  if (meta.format !== CHECKPOINT_FORMAT) {
    throw new Error(`${file} is not a flint checkpoint (its metadata format is ${meta.format ? `'${meta.format}'` : 'missing'}; ` +
      'a checkpoint is written by callbacks.checkpoint or saveCheckpoint)');
  }
  if (meta['flint.checkpoint.version'] !== VERSION) {
    throw new Error(`checkpoint ${file} has version ${meta['flint.checkpoint.version']}, which this flint cannot read (it reads ${VERSION})`);
  }
  const parse = (key: string) => {
    try {
      return fromJson(meta[key]);
    } catch (e) {
      throw new Error(`checkpoint ${file}: metadata ${key} is not valid JSON (${(e as Error).message})`);
    }
  };
  const all = load(file);
  const model: TensorDict = {};
  const opt: Record<string, Tensor> = {};
  const cbTensors: Record<string, Record<string, Tensor>> = {};
  for (const [k, t] of Object.entries(all)) {
    if (k.startsWith('model.')) model[k.slice(6)] = t;
    else if (k.startsWith('optimizer.')) opt[k.slice(10)] = t;
    else if (k.startsWith('callbacks.')) {
      const rest = k.slice(10);
      const dot = rest.indexOf('.');
      (cbTensors[rest.slice(0, dot)] ??= {})[rest.slice(dot + 1)] = t;
    }
  }
  const epoch = Number(meta['flint.epoch']);
  if (!Number.isInteger(epoch) || epoch < 0) throw new Error(`checkpoint ${file}: flint.epoch is '${meta['flint.epoch']}', not an epoch count`);
  const ck: Checkpoint = {
    epoch,
    model,
    signature: meta['flint.signature'] ? parse('flint.signature') : modelSignature(model),
    metadata: Object.fromEntries(Object.entries(meta).filter(([k]) => !k.startsWith('flint.') && k !== 'format')),
  };
  if (meta['flint.optimizer'] !== undefined) {
    ck.optimizer = stateDictFromSafetensors(opt, { [OPTIMIZER_METADATA_KEY]: meta['flint.optimizer'] });
    ck.optimizerClass = meta['flint.optimizer.class'];
  }
  if (meta['flint.scheduler'] !== undefined) ck.scheduler = parse('flint.scheduler');
  if (meta['flint.history'] !== undefined) ck.history = parse('flint.history');
  if (meta['flint.fit'] !== undefined) ck.fit = parse('flint.fit');
  if (meta['flint.callbacks'] !== undefined) {
    const json = parse('flint.callbacks') as Record<string, Json>;
    ck.callbacks = {};
    for (const [name, j] of Object.entries(json)) ck.callbacks[name] = { json: j, tensors: cbTensors[name] ?? {} };
  }
  return ck;
}

/**
 * The model weights in a file: a plain state dict (as `flint.save(model.stateDict(), f)` or
 * `flint train --out` write it), or the model part of a checkpoint. Checked against the model
 * before anything loads (a clear error names the first mismatching key or shape), then loaded.
 */
export function loadWeights(model: Module, path: string): { checkpoint: boolean; metadata: Record<string, string> } {
  const file = nodePath.resolve(path);
  if (!fs.existsSync(file)) throw new Error(`weights file ${file} does not exist`);
  const header = readHeader(file);
  const meta = header.metadata ?? {};
  if (meta.format === CHECKPOINT_FORMAT) {
    const ck = loadCheckpoint(file);
    checkSignature(model, ck.signature, `checkpoint ${file}`);
    model.loadStateDict(ck.model);
    return { checkpoint: true, metadata: meta };
  }
  checkSignature(model, Object.entries(header.tensors).map(([k, t]) => [k, t.shape]), `weights file ${file}`);
  model.loadStateDict(load(file));
  return { checkpoint: false, metadata: meta };
}
