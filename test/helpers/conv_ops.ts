// The conv and pooling ops by the names scripts/goldens_conv.py uses, added to the goldens
// replayer's OPS table (test/helpers/goldens.ts) by the test files that replay conv.json.
import * as flint from '../../lib';
import { OPS } from './goldens';

const { F } = flint;

export function registerConvOps(): void {
  Object.assign(OPS, {
    conv2d: ([x, w, b]: flint.Tensor[], _: flint.Tensor[], p: Record<string, any>) =>
      F.conv2d(x, w, b ?? null, { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups }),
    max_pool2d: ([x]: flint.Tensor[], _: flint.Tensor[], p: Record<string, any>) => {
      const [values, indices] = F.maxPool2d(x, p.kernel, {
        stride: p.stride, padding: p.padding, dilation: p.dilation, ceilMode: p.ceil_mode, returnIndices: true,
      });
      return { values, indices };
    },
    avg_pool2d: ([x]: flint.Tensor[], _: flint.Tensor[], p: Record<string, any>) =>
      F.avgPool2d(x, p.kernel, {
        stride: p.stride, padding: p.padding, ceilMode: p.ceil_mode, countIncludePad: p.count_include_pad,
        divisorOverride: p.divisor_override,
      }),
    adaptive_avg_pool2d: ([x]: flint.Tensor[], _: flint.Tensor[], p: Record<string, any>) =>
      F.adaptiveAvgPool2d(x, p.output_size),
    cnn: ([x, w1, b1, w2, b2, w3, b3]: flint.Tensor[], [t]: flint.Tensor[]) => {
      let h = F.maxPool2d(F.conv2d(x, w1, b1).relu(), 2);
      h = F.maxPool2d(F.conv2d(h, w2, b2).relu(), 2);
      return flint.crossEntropy(flint.linear(h.flatten(1), w3, b3), t);
    },
  });
}
