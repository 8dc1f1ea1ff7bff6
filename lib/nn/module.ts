// Module and Parameter: PyTorch's nn.Module. Submodules, parameters and buffers are found
// in declaration (assignment) order, which gives PyTorch's state-dict keys (`fc1.weight`).
import { Tensor, keep } from '../tensor';
import { noGrad } from '../autograd/grad_mode';
import { shapeStr } from '../ops/util';

/** A tensor that a Module owns and trains: requiresGrad by default. */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    super(data._h);
    keep(this); // a parameter outlives any tidy() scope it is made in, frozen or not
    if (requiresGrad) this.requiresGrad_(true);
  }
}

export type StateDict = Record<string, Tensor>;

export abstract class Module {
  training = true;
  /** names of attributes registered as buffers (saved in the state dict, not trained) */
  private _bufferNames: string[] = [];

  // Layers type their own forward (nn.LSTM takes [h_0, c_0] and returns [output, [h_n, c_n]]);
  // through a plain Module reference it is untyped, as in PyTorch.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  abstract forward(...args: any[]): any;

  /** Registers a tensor as a buffer (e.g. running statistics): in stateDict, not in parameters(). */
  registerBuffer(name: string, t: Tensor | null): void {
    if (t) keep(t);
    (this as unknown as Record<string, unknown>)[name] = t;
    if (!this._bufferNames.includes(name)) this._bufferNames.push(name);
  }

  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [k, v] of Object.entries(this)) if (v instanceof Module) out.push([k, v]);
    return out;
  }
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [k, m] of this.namedChildren()) out.push(...m.namedModules(prefix ? `${prefix}.${k}` : k));
    return out;
  }
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    const seen = new Set<Tensor>();
    const walk = (m: Module, pre: string) => {
      for (const [k, v] of Object.entries(m)) {
        const name = pre ? `${pre}.${k}` : k;
        if (v instanceof Parameter) {
          if (!seen.has(v)) {
            seen.add(v);
            out.push([name, v]);
          }
        } else if (v instanceof Module && recurse) walk(v, name);
      }
    };
    walk(this, prefix);
    return out;
  }
  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, m] of this.namedModules(prefix)) {
      for (const b of m._bufferNames) {
        const t = (m as unknown as Record<string, Tensor | null>)[b];
        if (t) out.push([name ? `${name}.${b}` : b, t]);
      }
    }
    return out;
  }

  /** Parameters and buffers by PyTorch key, sharing storage with the module (detached). */
  stateDict(): StateDict {
    const sd: StateDict = {};
    const entries: [string, Tensor][] = [];
    // PyTorch orders each module's parameters, then its buffers, then its children.
    const walk = (m: Module, pre: string) => {
      for (const [k, v] of Object.entries(m)) {
        const name = pre ? `${pre}.${k}` : k;
        if (v instanceof Parameter) entries.push([name, v]);
      }
      for (const b of m._bufferNames) {
        const t = (m as unknown as Record<string, Tensor | null>)[b];
        if (t) entries.push([pre ? `${pre}.${b}` : b, t]);
      }
      for (const [k, c] of m.namedChildren()) walk(c, pre ? `${pre}.${k}` : k);
    };
    walk(this, '');
    for (const [k, t] of entries) sd[k] = t.detach();
    return sd;
  }

  /**
   * Copies values from a state dict into this module's parameters and buffers. Every key and
   * shape is checked before anything is written, so a bad state dict leaves the module
   * unchanged; values are cast to the parameter's dtype (PyTorch's copy_). Only the object's own
   * keys count, and a key that is present must hold a tensor. strict (default): missing and
   * unexpected keys are errors.
   */
  loadStateDict(sd: StateDict, opts: { strict?: boolean } = {}): { missingKeys: string[]; unexpectedKeys: string[] } {
    const strict = opts.strict ?? true;
    if (typeof sd !== 'object' || sd === null) throw new TypeError('loadStateDict: expected an object of tensors');
    const own = this.stateDict();
    const has = (k: string) => Object.prototype.hasOwnProperty.call(sd, k);
    const missingKeys = Object.keys(own).filter((k) => !has(k));
    const unexpectedKeys = Object.keys(sd).filter((k) => !Object.prototype.hasOwnProperty.call(own, k));
    const withShape = (k: string, t: unknown) => (t instanceof Tensor ? `${k} (shape ${shapeStr(t.shape)})` : k);
    const problems: string[] = [];
    if (strict) {
      if (missingKeys.length) problems.push(`missing keys: ${missingKeys.map((k) => withShape(k, own[k])).join(', ')}`);
      if (unexpectedKeys.length) problems.push(`unexpected keys: ${unexpectedKeys.map((k) => withShape(k, sd[k])).join(', ')}`);
    }
    for (const [k, t] of Object.entries(own)) {
      if (!has(k)) continue;
      const src = sd[k];
      if (!(src instanceof Tensor)) problems.push(`${k}: expected a tensor but got ${src === null ? 'null' : typeof src}`);
      else if (src.shape.join() !== t.shape.join()) {
        problems.push(`${k}: shape ${shapeStr(src.shape)} in the state dict but ${shapeStr(t.shape)} in the model`);
      } else if (src.disposed) problems.push(`${k}: tensor was disposed`);
    }
    if (problems.length) {
      throw new Error(`loadStateDict: cannot load into ${this.constructor.name}: ${problems.join('; ')}`);
    }
    noGrad(() => {
      for (const [k, t] of Object.entries(own)) if (has(k)) t.copy_(sd[k]);
    });
    return { missingKeys, unexpectedKeys };
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /** Clears gradients: sets them to null (PyTorch's default), or zeros them in place. */
  zeroGrad(setToNone = true): void {
    for (const p of this.parameters()) {
      if (!p._grad) continue;
      if (setToNone) p._dropGrad();
      else p._grad.zero_();
    }
  }

  apply(fn: (m: Module) => void): this {
    for (const m of this.children()) m.apply(fn);
    fn(this);
    return this;
  }

  toString(): string {
    const kids = this.namedChildren();
    const extra = this.extraRepr();
    if (!kids.length) return `${this.constructor.name}(${extra})`;
    const lines = kids.map(([k, m]) => `  (${k}): ${m.toString().split('\n').join('\n  ')}`);
    return `${this.constructor.name}(\n${lines.join('\n')}\n)`;
  }
  protected extraRepr(): string {
    return '';
  }
}
