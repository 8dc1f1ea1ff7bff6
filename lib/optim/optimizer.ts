// Optimizer base: parameter groups with per-group options, per-parameter state, and
// PyTorch-structured state dicts (torch.optim.Optimizer.state_dict / load_state_dict).
//
// State dict layout (as torch's):
//   { state: { [paramIndex]: { step: 3, exp_avg: Tensor, ... } },
//     param_groups: [{ lr: 0.001, betas: [0.9, 0.999], weight_decay: 0, ..., params: [0, 1] }] }
// Parameters are numbered 0, 1, ... across the groups in order. Group options use PyTorch's
// snake_case keys in the state dict (weight_decay, lr_decay, initial_accumulator_value,
// initial_lr) and TypeScript's camelCase on the live groups (weightDecay, ...); state entries use
// PyTorch's names (step, exp_avg, exp_avg_sq, max_exp_avg_sq, square_avg, momentum_buffer,
// grad_avg, sum, acc_delta). Unlike torch, stateDict() returns copies of the state tensors (a
// snapshot that later steps do not change) and loadStateDict() copies what it is given.
import { native } from '../native';
import { Tensor, keep } from '../tensor';
import { shapeStr } from '../ops/util';

export type ParamGroup<O> = { params: Tensor[]; initialLr?: number } & O;
export type Params<O> = Iterable<Tensor> | Array<{ params: Iterable<Tensor> } & Partial<O>>;

/** Option values a group may hold (numbers, booleans, arrays of numbers such as betas). */
export type OptionValue = number | boolean | string | null | number[];
/** A parameter's state: tensors (moment buffers) and numbers (step). */
export type ParamState = Record<string, Tensor | number>;

/** torch.optim's state dict structure; see the file header. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>;
  param_groups: Array<Record<string, OptionValue> & { params: number[] }>;
}

/** Which state entries a parameter of a group has (checked by loadStateDict). */
export interface StateSpec {
  /** numbers every entry has (step) */
  numbers: string[];
  /** tensors every entry has, of the parameter's shape */
  tensors: string[];
  /** tensors an entry may have (created when an option needs them) */
  optional: string[];
}

export const toSnake = (k: string): string => k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
export const toCamel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function fmt(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(fmt).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

export abstract class Optimizer<O extends object> {
  paramGroups: ParamGroup<O>[] = [];
  state = new Map<Tensor, ParamState>();
  /** The options every group starts from: the optimizer's defaults overridden by the constructor's. */
  readonly defaults: O;
  /** The optimizer's own defaults: the types every option must have. */
  private readonly builtins: O;

  constructor(params: Params<O>, builtins: O, opts: Partial<O> = {}) {
    this.builtins = builtins;
    this.checkOptions(opts as Record<string, unknown>, 'options');
    this.defaults = { ...builtins, ...opts };
    const list = Array.from(params as Iterable<unknown>);
    if (list.length === 0) throw new RangeError(`${this.name}: got an empty parameter list`);
    const groups = list[0] instanceof Tensor ? [{ params: list as Tensor[] }] : (list as { params: Iterable<Tensor> }[]);
    for (const g of groups) this.addParamGroup(g as { params: Iterable<Tensor> } & Partial<O>);
  }

  /** The optimizer's name in messages (SGD, Adam, ...). */
  get name(): string {
    return this.constructor.name;
  }

  addParamGroup(group: { params: Iterable<Tensor> } & Partial<O>): void {
    if (!group || typeof group !== 'object' || group.params === undefined) {
      throw new TypeError(`${this.name}: a parameter group must be an object with params`);
    }
    const params = group.params instanceof Tensor ? [group.params] : Array.from(group.params);
    if (params.length === 0) throw new RangeError(`${this.name}: got a parameter group with no parameters`);
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${this.name}: parameter ${i} is not a tensor`);
      if (!p.isLeaf) throw new Error(`${this.name}: can't optimize a non-leaf tensor (parameter ${i})`);
      if (params.indexOf(p) !== i) throw new Error(`${this.name}: parameter ${i} appears twice in one group`);
      for (const g of this.paramGroups) {
        if (g.params.includes(p)) throw new Error(`${this.name}: some parameters appear in more than one group`);
      }
    });
    const full = { ...this.defaults, ...group, params } as ParamGroup<O>;
    this.checkOptions(full as Record<string, unknown>, `parameter group ${this.paramGroups.length}`);
    this.validate(full);
    this.paramGroups.push(full);
    this.initGroupState(full);
  }

  /** Throws naming the optimizer and the value when a group's hyper-parameters are invalid. */
  protected abstract validate(group: ParamGroup<O>): void;
  /** The state entries of one parameter under a group's options. */
  protected abstract stateSpec(group: ParamGroup<O>): StateSpec;
  abstract step(): void;
  /** Eager state for a new group (Adagrad's accumulators); lazy by default. */
  protected initGroupState(_group: ParamGroup<O>): void {}

  /** Clears the gradients of every parameter (to null by default, as PyTorch 2 does). */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p._grad) continue;
        if (setToNone) p._dropGrad();
        else p._grad.zero_();
      }
    }
  }

  // ---- checks shared by the optimizers ----

  /** Option types follow the optimizer's defaults; snake_case spellings of known options are refused. */
  private checkOptions(opts: Record<string, unknown>, where: string): void {
    if (!opts || typeof opts !== 'object') throw new TypeError(`${this.name}: options must be an object`);
    const builtins = this.builtins as Record<string, unknown>;
    for (const k of Object.keys(opts)) {
      const camel = toCamel(k);
      if (camel !== k && camel in builtins) {
        throw new TypeError(`${this.name}: unknown option ${k} in ${where} (did you mean ${camel}?)`);
      }
    }
    for (const [k, d] of Object.entries(builtins)) {
      if (!(k in opts)) continue;
      const v = opts[k];
      if (Array.isArray(d)) {
        if (!Array.isArray(v) || v.length !== d.length || v.some((x) => typeof x !== 'number')) {
          throw new TypeError(`${this.name}: expected ${k} to be an array of ${d.length} numbers but got ${fmt(v)}`);
        }
      } else if (typeof v !== typeof d) {
        throw new TypeError(`${this.name}: expected ${k} to be a ${typeof d} but got ${fmt(v)}`);
      }
    }
  }

  /** Throws `<Name>: invalid <label> <value>` unless group[key] >= 0 (NaN fails). */
  protected nonNegative(group: ParamGroup<O>, key: keyof O & string, label: string = key): void {
    const v = (group as Record<string, unknown>)[key] as number;
    if (!(v >= 0)) throw new RangeError(`${this.name}: invalid ${label} ${fmt(v)} (expected >= 0)`);
  }

  /** Every gradient is checked before any parameter changes: a bad one leaves the model unchanged. */
  protected checkGrads(): void {
    let index = 0;
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        const i = index++;
        p._live(this.name);
        if (!p._grad) continue;
        p._grad._live(this.name);
        if (p.dtype !== 'float32' && p.dtype !== 'float64') {
          throw new TypeError(`${this.name}: parameter ${i} is ${p.dtype}; only float32 and float64 parameters can be optimized`);
        }
        if (p._grad.dtype !== p.dtype || p._grad.shape.join() !== p.shape.join()) {
          throw new RangeError(
            `${this.name}: parameter ${i} is ${shapeStr(p.shape)} ${p.dtype} but its gradient is ${shapeStr(p._grad.shape)} ${p._grad.dtype}`,
          );
        }
        if (!p.isContiguous()) throw new RangeError(`${this.name}: parameter ${i} is not contiguous`);
      }
    }
  }

  // ---- state dicts ----

  /**
   * The optimizer's state in torch.optim's structure (see the file header): a snapshot, with
   * copies of the state tensors. `loadStateDict` takes it back, on this optimizer or a fresh one
   * over the same parameters. `stateDictToSafetensors` turns it into tensors + string metadata.
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let next = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const out: Record<string, OptionValue> = {};
      for (const [k, v] of Object.entries(g)) {
        if (k === 'params' || v === undefined) continue;
        out[toSnake(k)] = Array.isArray(v) ? (v.slice() as unknown as number[]) : (v as OptionValue);
      }
      const ids = g.params.map((p) => {
        index.set(p, next);
        return next++;
      });
      return Object.assign(out, { params: ids });
    });
    const state: OptimizerStateDict['state'] = {};
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        const st = this.state.get(p);
        if (!st) continue;
        const entry: Record<string, Tensor | number> = {};
        for (const [k, v] of Object.entries(st)) entry[k] = v instanceof Tensor ? new Tensor(native.cast(v._h, v.dtype)) : v;
        state[index.get(p)!] = entry;
      }
    }
    return { state, param_groups: paramGroups };
  }

  /**
   * Loads a state dict from `stateDict()` (or one built the same way). Everything is checked
   * before anything changes: the group count and sizes, option types and values, that every
   * state entry names a parameter and holds the entries this optimizer keeps, with tensors of
   * the parameter's shape. State tensors are copied and cast to their parameter's dtype (as
   * torch does); group options are replaced by the loaded ones (missing keys from the defaults).
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const who = `${this.name}.loadStateDict`;
    if (!sd || typeof sd !== 'object' || !Array.isArray(sd.param_groups) || !sd.state || typeof sd.state !== 'object') {
      throw new TypeError(`${who}: expected an object { state, param_groups } from stateDict()`);
    }
    const saved = sd.param_groups;
    if (saved.length !== this.paramGroups.length) {
      throw new RangeError(`${who}: the state dict has ${saved.length} parameter groups but the optimizer has ${this.paramGroups.length}`);
    }
    // saved parameter ids -> (parameter, group)
    const byId = new Map<string, { p: Tensor; g: number; i: number }>();
    let flat = 0;
    const groups = saved.map((sg, gi) => {
      if (!sg || typeof sg !== 'object' || !Array.isArray(sg.params)) {
        throw new TypeError(`${who}: parameter group ${gi} has no params array`);
      }
      const mine = this.paramGroups[gi].params;
      if (sg.params.length !== mine.length) {
        throw new RangeError(
          `${who}: parameter group ${gi} has ${sg.params.length} parameters in the state dict but ${mine.length} in the optimizer`,
        );
      }
      sg.params.forEach((id, k) => {
        if (!Number.isInteger(id) || id < 0) throw new TypeError(`${who}: parameter group ${gi} lists a bad parameter index ${fmt(id)}`);
        if (byId.has(String(id))) throw new RangeError(`${who}: parameter index ${id} appears more than once`);
        byId.set(String(id), { p: mine[k], g: gi, i: flat++ });
      });
      const opts: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(sg)) if (k !== 'params') opts[toCamel(k)] = Array.isArray(v) ? v.slice() : v;
      const group = { ...this.defaults, ...opts, params: mine } as ParamGroup<O>;
      this.checkOptions(group as Record<string, unknown>, `parameter group ${gi}`);
      this.validate(group);
      return group;
    });
    const state = new Map<Tensor, ParamState>();
    for (const [id, entry] of Object.entries(sd.state)) {
      const target = byId.get(id);
      if (!target) throw new RangeError(`${who}: the state dict has state for parameter ${id}, which no parameter group lists`);
      if (!entry || typeof entry !== 'object') throw new TypeError(`${who}: the state of parameter ${id} is not an object`);
      const { p, g } = target;
      const spec = this.stateSpec(groups[g]);
      const known = [...spec.numbers, ...spec.tensors, ...spec.optional];
      const out: ParamState = {};
      for (const k of Object.keys(entry)) {
        if (!known.includes(k)) {
          throw new RangeError(`${who}: unexpected state '${k}' for parameter ${id} (${this.name} keeps ${known.join(', ')})`);
        }
      }
      for (const k of spec.numbers) {
        let v: unknown = entry[k];
        if (v instanceof Tensor && v.numel() === 1) v = v._live(who).item();
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
          throw new TypeError(`${who}: expected state '${k}' of parameter ${id} to be a non-negative integer but got ${fmt(v)}`);
        }
        out[k] = v;
      }
      for (const k of [...spec.tensors, ...spec.optional]) {
        const v = entry[k] as unknown;
        if (v === undefined || v === null) {
          if (spec.tensors.includes(k)) throw new RangeError(`${who}: the state of parameter ${id} has no '${k}'`);
          continue;
        }
        if (!(v instanceof Tensor)) throw new TypeError(`${who}: expected state '${k}' of parameter ${id} to be a tensor`);
        v._live(who);
        if (v.shape.join() !== p.shape.join()) {
          throw new RangeError(
            `${who}: state '${k}' of parameter ${id} has shape ${shapeStr(v.shape)} but the parameter is ${shapeStr(p.shape)}`,
          );
        }
        if (v.dtype !== 'float32' && v.dtype !== 'float64') {
          throw new TypeError(`${who}: expected state '${k}' of parameter ${id} to be float32 or float64 but got ${v.dtype}`);
        }
      }
      // copies made only once everything checked out
      for (const k of [...spec.tensors, ...spec.optional]) {
        const v = entry[k] as Tensor | undefined | null;
        if (v) out[k] = keep(new Tensor(native.cast(v._h, p.dtype)));
      }
      state.set(p, out);
    }
    groups.forEach((g, gi) => (this.paramGroups[gi] = g));
    this.state = state;
  }
}
