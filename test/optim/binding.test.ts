// The optimizer exports of the native binding (native/binding/optim.cc): named errors for bad
// arguments, checked before any write, and garbage in every position never crashes.
import { native } from '../../lib/native';

const t = (v = [1, 2, 3, 4, 5, 6], shape = [2, 3]) => native.fromData(new Float32Array(v), shape, 'float32');
const n = native as unknown as Record<string, (...args: unknown[]) => unknown>;
const GOOD: Record<string, () => unknown[]> = {
  sgdStep: () => [t(), t(), t(), 0.1, 0.9, 0, 0, false, false, false],
  adamStep: () => [t(), t(), t(), t(), t(), 1, 0.1, 0.9, 0.999, 1e-8, 0, true, false, false],
  rmspropStep: () => [t(), t(), t(), t(), t(), 0.01, 0.99, 1e-8, 0, 0.9, true, false],
  adagradStep: () => [t(), t(), t(), 1, 0.01, 0, 0, 1e-10, false],
  adadeltaStep: () => [t(), t(), t(), t(), 1, 0.9, 1e-6, 0, false],
};
const garbage: unknown[] = [undefined, null, 0, -1, NaN, Infinity, 2 ** 62, 'x', {}, [], () => 1, new Float32Array(6), 10n, true];
const read = (h: unknown) => Array.from((h as { read(a: Float32Array): Float32Array }).read(new Float32Array(6)));

describe('native optimizer exports', () => {
  test('a plausible call succeeds and changes the parameter', () => {
    for (const [name, args] of Object.entries(GOOD)) {
      const a = args();
      n[name](...a);
      expect([name, read(a[0])]).not.toEqual([name, [1, 2, 3, 4, 5, 6]]);
    }
  });

  test('garbage in every position throws a string message, never crashes', () => {
    let calls = 0;
    for (const [name, args] of Object.entries(GOOD)) {
      const len = args().length;
      for (let pos = 0; pos < len; pos++) {
        for (const g of garbage) {
          const a = args();
          a[pos] = g;
          calls++;
          try {
            n[name](...a);
          } catch (e) {
            expect(typeof (e as Error).message).toBe('string');
          }
        }
      }
    }
    expect(calls).toBeGreaterThan(600);
  });

  test('state of the wrong shape or dtype, or missing, is refused before any write', () => {
    const cases: [string, unknown[], RegExp][] = [
      ['adamStep', [t(), t(), t([1, 2, 3], [3]), t(), null, 1, 0.1, 0.9, 0.999, 1e-8, 0, false, false, false],
        /adam: state exp_avg is \[3\] float32 but the parameter is \[2, 3\] float32/],
      ['adamStep', [t(), t(), t(), t(), null, 1, 0.1, 0.9, 0.999, 1e-8, 0, true, false, true], /adamw: amsgrad needs max_exp_avg_sq/],
      ['adamStep', [t(), t(), t(), t(), null, 0, 0.1, 0.9, 0.999, 1e-8, 0, false, false, false], /adam: expected a step number >= 1 but got 0/],
      ['adamStep', [t(), t(), t(), t(), null, 1.5, 0.1, 0.9, 0.999, 1e-8, 0, false, false, false], /adam: expected step to be an integer/],
      ['rmspropStep', [t(), t(), t(), null, null, 0.01, 0.99, 1e-8, 0, 0, true, false], /rmsprop: centered needs grad_avg/],
      ['rmspropStep', [t(), t(), t(), null, null, 0.01, 0.99, 1e-8, 0, 0.5, false, false], /rmsprop: momentum needs momentum_buffer/],
      ['adagradStep', [t(), t(), native.fromData(new Float64Array(6), [2, 3], 'float64'), 1, 0.01, 0, 0, 1e-10, false],
        /adagrad: state sum is \[2, 3\] float64 but the parameter is \[2, 3\] float32/],
      ['adadeltaStep', [t(), t([1, 2, 3, 4, 5, 6], [3, 2]), t(), t(), 1, 0.9, 1e-6, 0, false],
        /adadelta: parameter \[2, 3\] float32 and gradient \[3, 2\] float32 differ/],
      ['adadeltaStep', [native.fromData(BigInt64Array.from([1n]), [1], 'int64'), t(), t(), t(), 1, 0.9, 1e-6, 0, false],
        /adadelta: expected a float parameter but got int64/],
    ];
    for (const [name, args, re] of cases) {
      let msg = '';
      try {
        n[name](...args);
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toMatch(re);
      if (!/int64/.test(msg)) expect(read(args[0])).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });
});
