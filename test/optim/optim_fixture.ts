// Types and helpers for test/fixtures/optim.json (scripts/goldens_optim.py): torch 1.13's
// optimizers, lr schedulers and gradient clipping on fixed inputs.
//
// Tolerance: float32 results use the golden tolerance of test/helpers/goldens.ts (rtol 1e-5,
// atol 1e-5); float64 results must match to rtol 1e-12 (atol 1e-14): the kernels repeat torch's
// operation order, so the only differences left are last-bit ones.
import * as flint from '../../lib';
import { decode, Dtype, expectClose, values } from '../helpers/goldens';

export type Num = number | string;
export type Options = Record<string, number | boolean | number[] | string>;

export interface OptimizerCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad' | 'Adadelta';
  options: Options;
  groups: { params: number[]; options: Options }[];
  params: { shape: number[]; data: Num[] }[];
  grads: (Num[] | null)[][]; // [step][param]; null: no gradient on that step
  expected: Record<Dtype, Num[][][]>; // [step][param] -> values after the step
  state: Record<Dtype, Record<string, Record<string, number | Num[]>>>;
}
export interface InvalidCase {
  optimizer: OptimizerCase['optimizer'];
  options: Record<string, Num | boolean | Num[]>;
  torch_message: string | null;
}
export interface SchedulerCase {
  name: string;
  schedulers: { scheduler: string; options: Options }[];
  group_lrs: number[];
  metrics: Num[] | null;
  steps: number;
  lrs: Num[][];
  final: { best: Num; num_bad_epochs: number; cooldown_counter: number; last_epoch: number } | null;
  state_dict_keys: string[];
}
export interface ClipCase {
  name: string;
  fn: 'norm' | 'value';
  options: { maxNorm?: number; normType?: number | 'inf'; errorIfNonfinite?: boolean; clipValue?: number };
  grads: { shape: number[]; data: Num[] | null }[];
  expected: Record<Dtype, { total?: Num; total_dtype?: string; grads?: (Num[] | null)[]; error?: string }>;
}
export interface OptimFixture {
  torch: string;
  optimizers: OptimizerCase[];
  invalid: InvalidCase[];
  schedulers: SchedulerCase[];
  clip: ClipCase[];
}

// eslint-disable-next-line @typescript-eslint/no-var-requires
export const fixture: OptimFixture = require('../fixtures/optim.json');

export const DTYPES: Dtype[] = ['float64', 'float32'];

/** A tensor holding the fixture's (float32-representable) values in dtype. */
export function tensorOf(data: Num[], shape: number[], dtype: Dtype): flint.Tensor {
  return flint.tensor(Float64Array.from(values(data, 'float32')), { shape: shape.slice(), dtype: 'float64' }).to(dtype);
}

/** float32: the golden tolerance; float64: rtol 1e-12, atol 1e-14. */
export function expectMatch(actual: ArrayLike<number | bigint>, expected: Num[], dtype: Dtype, what: string): void {
  expectClose(actual, expected, dtype, what);
  if (dtype !== 'float64') return;
  for (let i = 0; i < expected.length; i++) {
    const a = Number(actual[i]);
    const e = decode(expected[i]);
    if (!Number.isFinite(e)) continue;
    if (!(Math.abs(a - e) <= 1e-12 * Math.abs(e) + 1e-14)) {
      throw new Error(`${what}: element ${i} is ${a} but torch gives ${e} (float64 must match to 1e-12)`);
    }
  }
}

export function expectNumber(actual: number, expected: Num, what: string, rtol = 1e-12): void {
  const e = decode(expected);
  if (Number.isNaN(e)) {
    if (!Number.isNaN(actual)) throw new Error(`${what}: ${actual} but torch gives NaN`);
    return;
  }
  if (!Number.isFinite(e)) {
    if (actual !== e) throw new Error(`${what}: ${actual} but torch gives ${e}`);
    return;
  }
  if (!(Math.abs(actual - e) <= rtol * Math.abs(e) + 1e-300)) {
    throw new Error(`${what}: ${actual} but torch gives ${e} (|diff| ${Math.abs(actual - e)})`);
  }
}

/** The constructor of an optimizer by its torch name. */
export function optimizerClass(name: string): new (params: any, opts?: any) => flint.optim.Optimizer<any> {
  const cls = (flint.optim as unknown as Record<string, unknown>)[name];
  if (typeof cls !== 'function') throw new Error(`no flint.optim.${name}`);
  return cls as new (params: any, opts?: any) => flint.optim.Optimizer<any>;
}
