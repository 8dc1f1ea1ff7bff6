// conv2d: float64 finite-difference gradient checks (stride, padding, dilation, groups, no bias,
// odd sizes, non-contiguous inputs) and PyTorch goldens for convolution and pooling (conv.json).
import * as flint from '../../lib';
import { gradcheck, GradcheckInput } from '../helpers/gradcheck';
import { inputMaker } from '../helpers/inputs';
import { runGoldens } from '../helpers/goldens';
import { registerConvOps } from '../helpers/conv_ops';
import type { ConvOptions } from '../../lib/ops/conv';

type T = flint.Tensor;
const { F } = flint;
const inp = inputMaker(9101);
function gc(fn: (...xs: T[]) => T, inputs: GradcheckInput[]) {
  expect(gradcheck(fn, inputs).checked).toBeGreaterThan(0);
}
const conv = (o: ConvOptions = {}) => (x: T, w: T, b?: T) => F.conv2d(x, w, b ?? null, o);

describe('gradcheck: conv2d', () => {
  const cases: [string, number[], number[], ConvOptions, boolean][] = [
    ['3x3 with bias', [2, 3, 5, 5], [4, 3, 3, 3], {}, true],
    ['without bias', [2, 3, 5, 4], [2, 3, 3, 3], {}, false],
    ['stride 2 padding 1 odd sizes', [1, 2, 7, 6], [3, 2, 3, 2], { stride: 2, padding: 1 }, true],
    ['stride [1, 3] padding [2, 0]', [2, 1, 5, 7], [2, 1, 2, 3], { stride: [1, 3], padding: [2, 0] }, true],
    ['dilation 2', [1, 2, 7, 7], [2, 2, 3, 3], { dilation: 2 }, true],
    ['dilation [1, 2] stride 2 padding 1', [1, 2, 6, 7], [3, 2, 2, 3], { dilation: [1, 2], stride: 2, padding: 1 }, true],
    ['groups 2', [2, 4, 5, 5], [4, 2, 3, 3], { groups: 2 }, true],
    ['depthwise (groups = channels)', [1, 3, 5, 4], [3, 1, 3, 3], { groups: 3, padding: 1 }, true],
    ['groups 3, 2 outputs per group, no bias', [1, 3, 4, 4], [6, 1, 2, 2], { groups: 3 }, false],
    ['1x1 pointwise (no im2col), batch 2', [2, 3, 4, 3], [5, 3, 1, 1], {}, true],
    ['1x1 pointwise, batch 1', [1, 3, 4, 3], [2, 3, 1, 1], {}, true],
    ['1x1 stride 2', [1, 2, 5, 5], [2, 2, 1, 1], { stride: 2 }, true],
    ["padding 'same', even kernel (asymmetric)", [1, 2, 5, 4], [2, 2, 4, 2], { padding: 'same' }, true],
    ["padding 'same', dilation 2", [1, 1, 5, 5], [2, 1, 3, 2], { padding: 'same', dilation: 2 }, true],
    ['kernel as large as the padded input', [1, 2, 2, 3], [2, 2, 4, 5], { padding: 1 }, true],
    ['1x1 images', [3, 2, 1, 1], [2, 2, 1, 1], {}, true],
  ];
  for (const [name, sx, sw, o, bias] of cases) {
    test(`${name} x [${sx}] w [${sw}]`, () => {
      const ins = [inp(sx), inp(sw)];
      if (bias) ins.push(inp([sw[0]]));
      gc(conv(o), ins);
    });
  }
  test('non-contiguous input and weight (transposed views)', () => {
    gc(conv({ padding: 1 }), [inp([2, 2, 4, 5], { nc: true }), inp([3, 2, 3, 2], { nc: true }), inp([3], { nc: true })]);
    gc(conv({ stride: 2, groups: 2 }), [inp([1, 4, 5, 6], { nc: true }), inp([2, 2, 3, 3])]);
  });
  test('unbatched 3-D input', () => gc(conv({ padding: 1 }), [inp([2, 4, 3]), inp([3, 2, 3, 3]), inp([3])]));
  test('only some inputs require grad', () => {
    gc(conv(), [inp([1, 2, 4, 4], { rg: false }), inp([3, 2, 3, 3]), inp([3])]);
    gc(conv(), [inp([1, 2, 4, 4]), inp([3, 2, 3, 3], { rg: false }), inp([3], { rg: false })]);
    gc(conv(), [inp([1, 2, 4, 4], { rg: false }), inp([3, 2, 3, 3], { rg: false }), inp([3])]);
  });
  test('in a graph: conv -> relu -> conv (same weight twice)', () => {
    gc((x, w) => F.conv2d(F.conv2d(x, w, null, { padding: 1 }).relu(), w, null, { padding: 1 }),
      [inp([1, 2, 4, 4], { away: true }), inp([2, 2, 3, 3])]);
  });
  test('the output is used through a non-contiguous view', () => {
    gc((x, w, b) => F.conv2d(x, w, b).transpose(1, 3).mul(2), [inp([2, 2, 4, 5]), inp([3, 2, 2, 2]), inp([3])]);
  });
});

describe('goldens vs PyTorch (conv2d, max/avg/adaptive pooling, a small CNN)', () => {
  registerConvOps();
  runGoldens('conv');
});
