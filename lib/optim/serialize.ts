// Optimizer state dicts in safetensors form: the state tensors as named tensors and everything
// else (param_groups, step counts) as JSON in the header's string metadata.
//
//   tensors:  "state.<paramIndex>.<name>"  e.g. "state.0.exp_avg", "state.3.momentum_buffer"
//   metadata: { "flint.optimizer": JSON of { param_groups, state: { <paramIndex>: { step: 3 } } } }
//
// Save and load:
//   const { tensors, metadata } = optim.stateDictToSafetensors(opt.stateDict());
//   io.save(tensors, 'opt.safetensors', metadata);
//   opt.loadStateDict(optim.stateDictFromSafetensors(io.load('opt.safetensors'), io.readHeader('opt.safetensors').metadata));
//
// JSON has no Infinity or NaN, so a non-finite option or number is refused when saving.
import { Tensor } from '../tensor';
import type { OptimizerStateDict } from './optimizer';

export const OPTIMIZER_METADATA_KEY = 'flint.optimizer';

export function stateDictToSafetensors(sd: OptimizerStateDict): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const who = 'stateDictToSafetensors';
  if (!sd || typeof sd !== 'object' || !Array.isArray(sd.param_groups) || !sd.state) {
    throw new TypeError(`${who}: expected an optimizer state dict { state, param_groups }`);
  }
  const tensors: Record<string, Tensor> = {};
  const numbers: Record<string, Record<string, number>> = {};
  for (const [id, entry] of Object.entries(sd.state)) {
    numbers[id] = {};
    for (const [k, v] of Object.entries(entry)) {
      if (k.includes('.')) throw new RangeError(`${who}: state name '${k}' contains a '.'`);
      if (v instanceof Tensor) tensors[`state.${id}.${k}`] = v;
      else numbers[id][k] = v;
    }
  }
  const json = JSON.stringify({ param_groups: sd.param_groups, state: numbers }, (k, v) => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`${who}: ${k} is ${v}, which JSON cannot hold`);
    return v;
  });
  return { tensors, metadata: { [OPTIMIZER_METADATA_KEY]: json } };
}

export function stateDictFromSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> | null): OptimizerStateDict {
  const who = 'stateDictFromSafetensors';
  const json = metadata?.[OPTIMIZER_METADATA_KEY];
  if (typeof json !== 'string') throw new RangeError(`${who}: the metadata has no '${OPTIMIZER_METADATA_KEY}' entry`);
  let meta: { param_groups: OptimizerStateDict['param_groups']; state: Record<string, Record<string, number>> };
  try {
    meta = JSON.parse(json);
  } catch (e) {
    throw new RangeError(`${who}: '${OPTIMIZER_METADATA_KEY}' is not valid JSON (${(e as Error).message})`);
  }
  if (!meta || !Array.isArray(meta.param_groups) || !meta.state || typeof meta.state !== 'object') {
    throw new RangeError(`${who}: '${OPTIMIZER_METADATA_KEY}' lacks param_groups or state`);
  }
  const state: OptimizerStateDict['state'] = {};
  for (const [id, nums] of Object.entries(meta.state)) state[Number(id)] = { ...nums };
  for (const [name, t] of Object.entries(tensors)) {
    const m = /^state\.(\d+)\.([^.]+)$/.exec(name);
    if (!m) throw new RangeError(`${who}: unexpected tensor '${name}' (expected state.<index>.<name>)`);
    const id = Number(m[1]);
    (state[id] ??= {})[m[2]] = t;
  }
  return { state, param_groups: meta.param_groups };
}
