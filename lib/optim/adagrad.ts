// Adagrad (torch.optim.Adagrad semantics, dense gradients), one fused native update per
// parameter (native/cpu/optim.cc adagrad_step_).
import { native } from '../native';
import { Tensor, keep } from '../tensor';
import { fullLike } from '../ops/creation';
import { Optimizer, ParamGroup, Params, StateSpec } from './optimizer';

export interface AdagradOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

/**
 * Adagrad (Duchi et al., 2011), as torch.optim.Adagrad: the step of each element shrinks with
 * the sum of its squared gradients; lr decays as lr / (1 + (step - 1) * lrDecay).
 *
 * Args: lr = 1e-2, lrDecay = 0, weightDecay = 0, initialAccumulatorValue = 0, eps = 1e-10,
 * maximize = false. State per parameter: step, sum. As in torch, the state of every parameter
 * exists from the start (step = 0, sum = initialAccumulatorValue), so stateDict() lists them all.
 * Also as in torch (1.13 and 2.x), sum starts from the optimizer-wide initialAccumulatorValue (the
 * constructor's options): a parameter group's own initialAccumulatorValue is kept but not used.
 *
 * Example: `const opt = new optim.Adagrad(model.parameters(), { lr: 0.01, lrDecay: 1e-4 });`
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: Params<AdagradOptions>, opts: Partial<AdagradOptions> = {}) {
    super(params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false }, opts);
  }

  protected validate(g: ParamGroup<AdagradOptions>): void {
    this.nonNegative(g, 'lr', 'learning rate');
    this.nonNegative(g, 'lrDecay');
    this.nonNegative(g, 'weightDecay');
    this.nonNegative(g, 'initialAccumulatorValue');
    this.nonNegative(g, 'eps');
  }

  protected stateSpec(): StateSpec {
    return { numbers: ['step'], tensors: ['sum'], optional: [] };
  }

  protected initGroupState(g: ParamGroup<AdagradOptions>): void {
    for (const p of g.params) this.state.set(p, { step: 0, sum: keep(fullLike(p, this.defaults.initialAccumulatorValue)) });
  }

  step(): void {
    this.checkGrads();
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p._grad) continue;
        let st = this.state.get(p);
        if (!st) {
          st = { step: 0, sum: keep(fullLike(p, this.defaults.initialAccumulatorValue)) };
          this.state.set(p, st);
        }
        const step = (st.step as number) + 1;
        native.adagradStep(p._h, p._grad._h, (st.sum as Tensor)._h, step, g.lr, g.lrDecay, g.weightDecay, g.eps, g.maximize);
        st.step = step;
      }
    }
  }
}
