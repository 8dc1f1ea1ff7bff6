// Bad arguments to convolution and pooling: errors name the layer or op, the argument and the
// shapes; the caller's tensors are unchanged afterwards; garbage handed straight to the native
// binding gives a JS error, never a crash. Messages are matched (native errors come from another realm).
import * as flint from '../../lib';
import { native } from '../../lib/native';

type T = flint.Tensor;
const { nn, F } = flint;

function snapshot(ts: T[]) {
  return ts.map((t) => ({ shape: t.shape.slice(), data: Array.from(t.dataSync() as Float32Array, Number), grad: t.grad ? Array.from(t.grad.dataSync() as Float32Array) : null }));
}
function expectCleanError(fn: () => unknown, re: RegExp, held: T[] = []): void {
  const before = snapshot(held);
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (err === null) throw new Error(`expected an error matching ${re} but nothing was thrown`);
  expect((err as Error).message).toMatch(re);
  expect(snapshot(held)).toEqual(before);
}
const rand = (shape: number[], dtype: 'float32' | 'float64' = 'float32') => {
  const n = shape.reduce((a, b) => a * b, 1);
  return flint.tensor(Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1)), { shape, dtype: 'float64' }).to(dtype);
};

describe('nn.Conv2d', () => {
  test('kernel larger than the padded input', () => {
    const conv = new nn.Conv2d(3, 4, 5, { padding: 1 });
    const x = rand([1, 3, 2, 2]);
    const held = [x, conv.weight, conv.bias!];
    expectCleanError(() => conv.forward(x),
      /^Conv2d: kernel size \[5, 5\] is larger than the padded input \[4, 4\] \(input shape \[1, 3, 2, 2\], padding \[1, 1, 1, 1\] top, bottom, left, right\)$/, held);
    expectCleanError(() => new nn.Conv2d(1, 1, 3, { dilation: 3 }).forward(rand([1, 1, 6, 6])),
      /^Conv2d: kernel size \[3, 3\] \(dilated \[7, 7\]\) is larger than the padded input \[6, 6\]/);
  });
  test('channels not divisible by groups', () => {
    expectCleanError(() => new nn.Conv2d(6, 4, 3, { groups: 4 }), /^Conv2d: inChannels \(6\) must be divisible by groups \(4\)$/);
    expectCleanError(() => new nn.Conv2d(4, 6, 3, { groups: 4 }), /^Conv2d: outChannels \(6\) must be divisible by groups \(4\)$/);
    expectCleanError(() => new nn.Conv2d(4, 4, 3, { groups: 0 }), /^Conv2d: expected groups to be a positive integer but got 0$/);
  });
  test('wrong input rank', () => {
    const conv = new nn.Conv2d(1, 32, 3);
    const x = rand([64, 784]);
    expectCleanError(() => conv.forward(x), /^Conv2d: expected a 3-D \[C, H, W\] or 4-D \[N, C, H, W\] input but got shape \[64, 784\]$/, [x, conv.weight]);
    expectCleanError(() => conv.forward(rand([2, 1, 1, 28, 28])), /got shape \[2, 1, 1, 28, 28\]/);
  });
  test('wrong input channels', () => {
    const conv = new nn.Conv2d(3, 16, 3);
    const x = rand([2, 1, 8, 8]);
    expectCleanError(() => conv.forward(x),
      /^Conv2d: expected input with 3 channels but got 1 \(input shape \[2, 1, 8, 8\], weight shape \[16, 3, 3, 3\], groups 1\)$/, [x, conv.weight]);
    expectCleanError(() => new nn.Conv2d(4, 4, 3, { groups: 2 }).forward(rand([1, 2, 5, 5])),
      /^Conv2d: expected input with 4 channels but got 2 \(input shape \[1, 2, 5, 5\], weight shape \[4, 2, 3, 3\], groups 2\)$/);
  });
  test('bad options', () => {
    expectCleanError(() => new nn.Conv2d(1, 1, 0), /^Conv2d: expected kernelSize to be an integer >= 1 or a pair of them but got 0$/);
    expectCleanError(() => new nn.Conv2d(1, 1, [3, 3, 3]), /^Conv2d: expected kernelSize .* but got \[3, 3, 3\]$/);
    expectCleanError(() => new nn.Conv2d(1, 1, 3, { stride: 0 }), /^Conv2d: expected stride to be an integer >= 1 or a pair of them but got 0$/);
    expectCleanError(() => new nn.Conv2d(1, 1, 3, { padding: -1 }), /^Conv2d: expected padding to be a non-negative integer or a pair of them but got -1$/);
    expectCleanError(() => new nn.Conv2d(1, 1, 3, { padding: 'full' as 'same' }), /^Conv2d: expected padding to be 'same', 'valid', .* but got 'full'$/);
    expectCleanError(() => new nn.Conv2d(1, 1, 3, { padding: 'same', stride: 2 }), /^Conv2d: padding 'same' is not supported for strided convolutions \(stride \[2, 2\]\)$/);
    expectCleanError(() => new nn.Conv2d(1, 1, 3, { paddingMode: 'reflect' as 'zeros' }), /^Conv2d: paddingMode 'reflect' is not supported \(only 'zeros'\)$/);
    expectCleanError(() => new nn.Conv2d(1.5, 1, 3), /^Conv2d: inChannels must be a non-negative integer but got 1.5$/);
  });
  test('dtype mismatch between input and weight', () => {
    const conv = new nn.Conv2d(1, 2, 3);
    const x = rand([1, 1, 5, 5], 'float64');
    expectCleanError(() => conv.forward(x), /^Conv2d: expected input, weight and bias of one dtype but got float64, float32 and float32$/, [x]);
    expectCleanError(() => conv.forward(flint.zeros([1, 1, 5, 5], { dtype: 'int32' })), /^Conv2d: expected a float32 or float64 input but got int32$/);
  });
});

describe('F.conv2d', () => {
  test('names the function and the shapes', () => {
    const x = rand([2, 4, 6, 6]), w = rand([5, 2, 3, 3]), b = rand([5]);
    expectCleanError(() => F.conv2d(x, w, b, { groups: 2 }),
      /^conv2d: weight shape \[5, 2, 3, 3\] has 5 output channels, which is not divisible by groups 2$/, [x, w, b]);
    expectCleanError(() => F.conv2d(x, rand([6, 2, 3, 3]), rand([5]), { groups: 2 }), /^conv2d: expected bias of shape \[6\] but got \[5\]$/, [x]);
    expectCleanError(() => F.conv2d(x, rand([6, 2, 3])), /^conv2d: expected a 4-D weight \[outChannels, inChannels \/ groups, kH, kW\] but got shape \[6, 2, 3\]$/);
    expectCleanError(() => F.conv2d([1, 2] as unknown as T, w), /^conv2d: expected input to be a tensor but got an array/);
    expectCleanError(() => F.conv2d(x, null as unknown as T), /^conv2d: expected weight to be a tensor but got null$/);
  });
  test('a disposed weight', () => {
    const x = rand([1, 1, 4, 4]), w = rand([1, 1, 3, 3]);
    w.dispose();
    expectCleanError(() => F.conv2d(x, w), /^conv2d: (tensor|weight) was disposed \(by dispose\(\) or at the end of a tidy\(\) scope\) and can no longer be used$/, [x]);
  });
});

describe('pooling', () => {
  test('kernel larger than the padded input', () => {
    const x = rand([1, 1, 2, 2]);
    expectCleanError(() => new nn.MaxPool2d(3).forward(x),
      /^MaxPool2d: kernelSize \[3, 3\] is larger than the padded input \[2, 2\] \(input shape \[1, 1, 2, 2\], padding \[0, 0\]\)$/, [x]);
    expectCleanError(() => new nn.AvgPool2d([2, 5], { padding: [0, 1] }).forward(x),
      /^AvgPool2d: kernelSize \[2, 5\] is larger than the padded input \[2, 4\]/, [x]);
    expectCleanError(() => F.maxPool2d(x, 2, { dilation: 2 }), /^max_pool2d: kernelSize \[2, 2\] \(dilated \[3, 3\]\) is larger than the padded input \[2, 2\]/, [x]);
  });
  test('padding more than half the kernel', () => {
    expectCleanError(() => new nn.MaxPool2d(2, { padding: 2 }).forward(rand([1, 1, 8, 8])),
      /^MaxPool2d: padding \[2, 2\] must be at most half of kernelSize \[2, 2\]$/);
    expectCleanError(() => F.avgPool2d(rand([1, 1, 8, 8]), [3, 4], { padding: [1, 3] }),
      /^avg_pool2d: padding \[1, 3\] must be at most half of kernelSize \[3, 4\]$/);
  });
  test('wrong input rank and empty planes', () => {
    const x = rand([64, 784]);
    expectCleanError(() => new nn.MaxPool2d(2).forward(x), /^MaxPool2d: expected a 3-D \[C, H, W\] or 4-D \[N, C, H, W\] input but got shape \[64, 784\]$/, [x]);
    expectCleanError(() => new nn.AdaptiveAvgPool2d(1).forward(rand([5])), /^AdaptiveAvgPool2d: expected a 3-D .* but got shape \[5\]$/);
    expectCleanError(() => F.avgPool2d(flint.zeros([2, 0, 4, 4]), 2), /^avg_pool2d: expected an input with non-zero channels, height and width but got shape \[2, 0, 4, 4\]$/);
  });
  test('bad options', () => {
    expectCleanError(() => new nn.MaxPool2d(0), /^MaxPool2d: expected kernelSize to be an integer >= 1 or a pair of them but got 0$/);
    expectCleanError(() => new nn.MaxPool2d(2, { stride: [1] }), /^MaxPool2d: expected stride .* but got \[1\]$/);
    expectCleanError(() => new nn.AvgPool2d(2, { divisorOverride: 0 }), /^AvgPool2d: expected divisorOverride to be a positive integer but got 0$/);
    expectCleanError(() => F.avgPool2d(rand([1, 1, 4, 4]), 2, { divisorOverride: 1.5 }), /^avg_pool2d: expected divisorOverride to be a positive integer but got 1.5$/);
    expectCleanError(() => new nn.AdaptiveAvgPool2d(-1), /^AdaptiveAvgPool2d: expected outputSize to be a non-negative integer or a pair of them but got -1$/);
    expectCleanError(() => F.adaptiveAvgPool2d(rand([1, 4, 4]), [1, 2, 3]), /^adaptive_avg_pool2d: expected outputSize .* but got \[1, 2, 3\]$/);
    expectCleanError(() => new nn.MaxPool2d(2, { returnIndices: true } as object), /^MaxPool2d: returnIndices is not supported on the module/);
    expectCleanError(() => F.maxPool2d(flint.zeros([1, 2, 2], { dtype: 'int64' }), 2), /^max_pool2d: expected a float32 or float64 input but got int64$/);
  });
});

describe('the native binding takes garbage without crashing', () => {
  const x = rand([1, 2, 5, 5]), w = rand([3, 2, 3, 3]), dy = rand([1, 3, 3, 3]);
  const P = [1, 1], Z = [0, 0, 0, 0];
  test('conv2d', () => {
    const held = [x, w, dy];
    expectCleanError(() => native.conv2d(x._h, w._h, null, [1], Z, P, 1), /^conv2d: expected stride to hold 2 integers but got 1$/, held);
    expectCleanError(() => native.conv2d(x._h, w._h, null, P, [0, 0], P, 1), /^conv2d: expected padding to hold 4 integers but got 2$/, held);
    expectCleanError(() => native.conv2d(x._h, w._h, null, [0, 1], Z, P, 1), /^conv2d: expected stride >= 1 but got \[0, 1\]$/, held);
    expectCleanError(() => native.conv2d(x._h, w._h, null, P, [-1, 0, 0, 0], P, 1), /^conv2d: expected padding >= 0/, held);
    expectCleanError(() => native.conv2d(x._h, w._h, null, P, [1e10, 0, 0, 0], P, 1), /^conv2d: stride, padding, dilation and groups must be at most 2147483647$/, held);
    expectCleanError(() => native.conv2d(x._h, w._h, null, P, Z, P, 0), /^conv2d: expected groups >= 1 but got 0$/, held);
    expectCleanError(() => native.conv2d(x._h, w._h, null, P, Z, P, 2), /^conv2d: weight shape \[3, 2, 3, 3\] has 3 output channels, which is not divisible by groups 2$/, held);
    expectCleanError(() => native.conv2d(x._h, rand([3, 2, 3])._h, null, P, Z, P, 1), /^conv2d: expected a 4-D weight/, held);
    expectCleanError(() => native.conv2d(x._h, rand([3, 1, 3, 3])._h, null, P, Z, P, 1), /^conv2d: expected input with 1 channels \(weight shape \[3, 1, 3, 3\], groups 1\) but got input shape \[1, 2, 5, 5\]$/, held);
    expectCleanError(() => native.conv2d(x._h, w._h, rand([2])._h, P, Z, P, 1), /^conv2d: expected bias of shape \[3\] but got \[2\]$/, held);
    expectCleanError(() => native.conv2d(x._h, rand([3, 2, 3, 3], 'float64')._h, null, P, Z, P, 1), /^conv2d: expected input, weight and bias of one dtype/, held);
    expectCleanError(() => native.conv2d({} as T['_h'], w._h, null, P, Z, P, 1), /^conv2d: expected input to be a tensor$/, held);
    expectCleanError(() => native.conv2d(x._h, w._h, null, P, Z, 'x' as unknown as number[], 1), /^conv2d: expected dilation to be an array of integers$/, held);
  });
  test('conv2dBackward', () => {
    const held = [x, w, dy];
    expectCleanError(() => native.conv2dBackward(x._h, w._h, rand([1, 3, 2, 2])._h, P, Z, P, 1, true, true, true),
      /^conv2d_backward: expected grad_output of shape \[1, 3, 3, 3\] but got \[1, 3, 2, 2\]$/, held);
    expectCleanError(() => native.conv2dBackward(x._h, w._h, rand([1, 3, 3, 3], 'float64')._h, P, Z, P, 1, true, true, true),
      /^conv2d_backward: expected grad_output of dtype float32 but got float64$/, held);
    expectCleanError(() => native.conv2dBackward(x._h, w._h, dy._h, P, Z, P, 1, true, true, true, rand([18, 8])._h),
      /^conv2d_backward: expected a saved im2col buffer of shape \[18, 9\] \(float32\) but got \[18, 8\] \(float32\)$/, held);
  });
  test('pooling', () => {
    const y = rand([1, 2, 6, 6]);
    const [, idx] = native.maxPool2d(y._h, [2, 2], [2, 2], [0, 0], [1, 1], false);
    const g = rand([1, 2, 3, 3]);
    const bad = flint.full([1, 2, 3, 3], 36, { dtype: 'int64' });
    const held = [y, g, bad];
    expectCleanError(() => native.maxPool2dBackward(g._h, bad._h, [1, 2, 6, 6]), /^max_pool2d_backward: index 36 is out of range for an input plane of 6x6$/, held);
    expectCleanError(() => native.maxPool2dBackward(g._h, idx, [1, 2, 6]), /^max_pool2d_backward: grad_output of shape \[1, 2, 3, 3\] does not match the input shape \[1, 2, 6\]$/, held);
    expectCleanError(() => native.maxPool2dBackward(g._h, g._h, [1, 2, 6, 6]), /^max_pool2d_backward: expected int64 indices but got float32$/, held);
    expectCleanError(() => native.maxPool2dBackward(g._h, idx, [1, 2, -6, 6]), /^max_pool2d_backward: expected an input with non-zero channels/, held);
    expectCleanError(() => native.maxPool2d(y._h, [2, 2], [2, 2], [0, 0], [1, 1e12], false), /^max_pool2d: kernel_size, stride and dilation must be at most 2147483647$/, held);
    expectCleanError(() => native.avgPool2dBackward(g._h, [1, 2, 6, 6], [2, 2], [1, 1], [0, 0], false, true, 0),
      /^avg_pool2d_backward: expected grad_output of shape \[1, 2, 5, 5\] but got \[1, 2, 3, 3\]$/, held);
    expectCleanError(() => native.avgPool2d(y._h, [2, 2], [2, 2], [0, 0], false, true, -3), /^avg_pool2d: expected divisor_override > 0 but got -3$/, held);
    expectCleanError(() => native.adaptiveAvgPool2d(y._h, [-1, 2]), /^adaptive_avg_pool2d: expected output_size >= 0 but got \[-1, 2\]$/, held);
    expectCleanError(() => native.adaptiveAvgPool2dBackward(g._h, [1, 3, 6, 6]), /^adaptive_avg_pool2d_backward: grad_output of shape \[1, 2, 3, 3\] does not match the input shape \[1, 3, 6, 6\]$/, held);
  });
});
