// Adadelta (torch.optim.Adadelta semantics), one fused native update per parameter
// (native/cpu/optim.cc adadelta_step_).
import { native } from '../native';
import { Tensor, keep } from '../tensor';
import { zerosLike } from '../ops/creation';
import { Optimizer, ParamGroup, Params, StateSpec } from './optimizer';

export interface AdadeltaOptions {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
  maximize: boolean;
}

/**
 * Adadelta (Zeiler, 2012), as torch.optim.Adadelta: steps scaled by the ratio of running RMS
 * of past updates and of gradients, times lr.
 *
 * Args: lr = 1.0, rho = 0.9, eps = 1e-6, weightDecay = 0, maximize = false.
 * State per parameter: step, square_avg, acc_delta.
 *
 * Example: `const opt = new optim.Adadelta(model.parameters(), { rho: 0.95 });`
 */
export class Adadelta extends Optimizer<AdadeltaOptions> {
  constructor(params: Params<AdadeltaOptions>, opts: Partial<AdadeltaOptions> = {}) {
    super(params, { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false }, opts);
  }

  protected validate(g: ParamGroup<AdadeltaOptions>): void {
    this.nonNegative(g, 'lr', 'learning rate');
    if (!(g.rho >= 0 && g.rho <= 1)) throw new RangeError(`Adadelta: invalid rho ${g.rho} (expected 0 <= rho <= 1)`);
    this.nonNegative(g, 'eps');
    this.nonNegative(g, 'weightDecay');
  }

  protected stateSpec(): StateSpec {
    return { numbers: ['step'], tensors: ['square_avg', 'acc_delta'], optional: [] };
  }

  step(): void {
    this.checkGrads();
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p._grad) continue;
        let st = this.state.get(p);
        if (!st) {
          st = { step: 0, square_avg: keep(zerosLike(p)), acc_delta: keep(zerosLike(p)) };
          this.state.set(p, st);
        }
        native.adadeltaStep(p._h, p._grad._h, (st.square_avg as Tensor)._h, (st.acc_delta as Tensor)._h, g.lr, g.rho,
          g.eps, g.weightDecay, g.maximize);
        st.step = (st.step as number) + 1;
      }
    }
  }
}
