// Optimizer base: parameter groups with per-group options, per-parameter state.
import { Tensor } from '../tensor';

export type ParamGroup<O> = { params: Tensor[] } & O;
export type Params<O> = Iterable<Tensor> | Array<{ params: Iterable<Tensor> } & Partial<O>>;

export abstract class Optimizer<O extends object> {
  paramGroups: ParamGroup<O>[] = [];
  state = new Map<Tensor, Record<string, Tensor | number>>();

  constructor(params: Params<O>, public readonly defaults: O) {
    const list = Array.from(params as Iterable<unknown>);
    if (list.length === 0) throw new RangeError(`${this.constructor.name}: got an empty parameter list`);
    const groups = list[0] instanceof Tensor ? [{ params: list as Tensor[] }] : (list as { params: Iterable<Tensor> }[]);
    for (const g of groups) this.addParamGroup(g as { params: Iterable<Tensor> } & Partial<O>);
  }

  addParamGroup(group: { params: Iterable<Tensor> } & Partial<O>): void {
    const params = Array.from(group.params);
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${this.constructor.name}: parameter ${i} is not a tensor`);
      if (!p.isLeaf) throw new Error(`${this.constructor.name}: can't optimize a non-leaf tensor (parameter ${i})`);
      for (const g of this.paramGroups) {
        if (g.params.includes(p)) throw new Error(`${this.constructor.name}: some parameters appear in more than one group`);
      }
    });
    const full = { ...this.defaults, ...group, params } as ParamGroup<O>;
    this.validate(full);
    this.paramGroups.push(full);
  }

  protected abstract validate(group: ParamGroup<O>): void;
  abstract step(): void;

  /** Clears the gradients of every parameter (to null by default, as PyTorch 2 does). */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p.grad) continue;
        if (setToNone) p.grad = null;
        else p.grad.zero_();
      }
    }
  }
}
