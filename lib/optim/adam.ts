// Adam and AdamW (torch.optim.Adam / torch.optim.AdamW semantics), one fused native update per
// parameter (native/cpu/optim.cc adam_step_).
import { native } from '../native';
import { Tensor, keep } from '../tensor';
import { zerosLike } from '../ops/creation';
import { Optimizer, ParamGroup, Params, StateSpec } from './optimizer';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

abstract class AdamFamily extends Optimizer<AdamOptions> {
  /** AdamW: weight decay applied to the parameter, not added to the gradient. */
  protected abstract decoupled(): boolean;

  protected validate(g: ParamGroup<AdamOptions>): void {
    this.nonNegative(g, 'lr', 'learning rate');
    this.nonNegative(g, 'eps');
    g.betas.forEach((b, i) => {
      if (!(b >= 0 && b < 1)) throw new RangeError(`${this.name}: invalid beta parameter at index ${i}: ${b} (expected 0 <= beta < 1)`);
    });
    this.nonNegative(g, 'weightDecay');
  }

  protected stateSpec(): StateSpec {
    return { numbers: ['step'], tensors: ['exp_avg', 'exp_avg_sq'], optional: ['max_exp_avg_sq'] };
  }

  step(): void {
    this.checkGrads();
    const decoupled = this.decoupled();
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p._grad) continue;
        let st = this.state.get(p);
        if (!st) {
          st = { step: 0, exp_avg: keep(zerosLike(p)), exp_avg_sq: keep(zerosLike(p)) };
          this.state.set(p, st);
        }
        // torch creates it at the first step of an amsgrad group; here also when amsgrad is turned on later
        if (g.amsgrad && !st.max_exp_avg_sq) st.max_exp_avg_sq = keep(zerosLike(p));
        const step = (st.step as number) + 1;
        const vmax = g.amsgrad ? (st.max_exp_avg_sq as Tensor)._h : null;
        native.adamStep(p._h, p._grad._h, (st.exp_avg as Tensor)._h, (st.exp_avg_sq as Tensor)._h, vmax, step, g.lr,
          g.betas[0], g.betas[1], g.eps, g.weightDecay, g.amsgrad, g.maximize, decoupled);
        st.step = step;
      }
    }
  }
}

/**
 * Adam (Kingma & Ba, 2014), as torch.optim.Adam: weight decay is L2 (added to the gradient).
 *
 * Args: lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false,
 * maximize = false. State per parameter: step, exp_avg, exp_avg_sq (and max_exp_avg_sq with amsgrad).
 *
 * Example: `const opt = new optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.99] });`
 */
export class Adam extends AdamFamily {
  constructor(params: Params<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false }, opts);
  }
  protected decoupled(): boolean {
    return false;
  }
}

/**
 * AdamW (Loshchilov & Hutter, 2017), as torch.optim.AdamW: decoupled weight decay
 * (p *= 1 - lr * weightDecay before the Adam update).
 *
 * Args: lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 1e-2, amsgrad = false,
 * maximize = false. State per parameter: as Adam.
 *
 * Example: `const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });`
 */
export class AdamW extends AdamFamily {
  constructor(params: Params<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false }, opts);
  }
  protected decoupled(): boolean {
    return true;
  }
}
