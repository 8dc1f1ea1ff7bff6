// RMSprop (torch.optim.RMSprop semantics), one fused native update per parameter
// (native/cpu/optim.cc rmsprop_step_).
import { native } from '../native';
import { Tensor, keep } from '../tensor';
import { zerosLike } from '../ops/creation';
import { Optimizer, ParamGroup, Params, StateSpec } from './optimizer';

export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/**
 * RMSprop (Hinton, lecture 6e), as torch.optim.RMSprop; centered divides by the estimated
 * variance of the gradient instead of its second moment.
 *
 * Args: lr = 1e-2, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false,
 * maximize = false. State per parameter: step, square_avg (and momentum_buffer when
 * momentum > 0, grad_avg when centered).
 *
 * Example: `const opt = new optim.RMSprop(model.parameters(), { lr: 1e-3, momentum: 0.9 });`
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, opts: Partial<RMSpropOptions> = {}) {
    super(params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false }, opts);
  }

  protected validate(g: ParamGroup<RMSpropOptions>): void {
    this.nonNegative(g, 'lr', 'learning rate');
    this.nonNegative(g, 'eps');
    this.nonNegative(g, 'momentum');
    this.nonNegative(g, 'weightDecay');
    this.nonNegative(g, 'alpha');
  }

  protected stateSpec(): StateSpec {
    return { numbers: ['step'], tensors: ['square_avg'], optional: ['momentum_buffer', 'grad_avg'] };
  }

  step(): void {
    this.checkGrads();
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p._grad) continue;
        let st = this.state.get(p);
        if (!st) {
          st = { step: 0, square_avg: keep(zerosLike(p)) };
          this.state.set(p, st);
        }
        // zeros, as torch initialises them (here also when the option is turned on later)
        if (g.momentum > 0 && !st.momentum_buffer) st.momentum_buffer = keep(zerosLike(p));
        if (g.centered && !st.grad_avg) st.grad_avg = keep(zerosLike(p));
        const gradAvg = g.centered ? (st.grad_avg as Tensor)._h : null;
        const buf = g.momentum > 0 ? (st.momentum_buffer as Tensor)._h : null;
        native.rmspropStep(p._h, p._grad._h, (st.square_avg as Tensor)._h, gradAvg, buf, g.lr, g.alpha, g.eps,
          g.weightDecay, g.momentum, g.centered, g.maximize);
        st.step = (st.step as number) + 1;
      }
    }
  }
}
