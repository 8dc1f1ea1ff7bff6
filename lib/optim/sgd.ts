// Stochastic gradient descent (torch.optim.SGD semantics), one fused native update per parameter.
import { native } from '../native';
import { Tensor, keep } from '../tensor';
import { zerosLike } from '../ops/creation';
import { Optimizer, ParamGroup, Params, StateSpec } from './optimizer';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/**
 * SGD with optional momentum, dampening, Nesterov momentum and weight decay, as torch.optim.SGD.
 *
 * Args: lr (required), momentum = 0, dampening = 0, weightDecay = 0, nesterov = false,
 * maximize = false. State per parameter (momentum > 0 only): momentum_buffer.
 *
 * Example: `const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });`
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, opts: Partial<SGDOptions> & { lr: number }) {
    if (!opts || typeof opts.lr !== 'number') throw new TypeError('SGD: options must include a numeric lr');
    super(params, { lr: 0, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }, opts);
  }

  protected validate(g: ParamGroup<SGDOptions>): void {
    if (!(g.lr >= 0)) throw new RangeError(`SGD: invalid learning rate ${g.lr}`);
    if (!(g.momentum >= 0)) throw new RangeError(`SGD: invalid momentum ${g.momentum}`);
    if (!(g.weightDecay >= 0)) throw new RangeError(`SGD: invalid weightDecay ${g.weightDecay}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new RangeError('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected stateSpec(): StateSpec {
    return { numbers: [], tensors: [], optional: ['momentum_buffer'] };
  }

  step(): void {
    this.checkGrads();
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p._grad) continue;
        let buf: Tensor | null = null;
        let first = false;
        if (g.momentum !== 0) {
          let st = this.state.get(p);
          if (!st) this.state.set(p, (st = {}));
          if (!st.momentum_buffer) {
            st.momentum_buffer = keep(zerosLike(p));
            first = true;
          }
          buf = st.momentum_buffer as Tensor;
        }
        native.sgdStep(p._h, p._grad._h, buf ? buf._h : null, g.lr, g.momentum, g.dampening, g.weightDecay,
          g.nesterov, g.maximize, first);
      }
    }
  }
}
