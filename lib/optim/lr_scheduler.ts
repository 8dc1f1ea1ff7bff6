// Learning-rate schedulers (torch.optim.lr_scheduler, torch 1.13 semantics): StepLR,
// MultiStepLR, ExponentialLR, CosineAnnealingLR use torch's chainable (recursive) forms, so
// several schedulers on one optimizer compose as they do in torch, and the lr sequences match
// torch's to the last bits; ReduceLROnPlateau follows a metric.
//
// Usage, as in PyTorch: construct after the optimizer (this sets each group's initialLr and
// counts as step 0), then call `scheduler.step()` once per epoch after `optimizer.step()`.
//
//   const sched = new optim.lrScheduler.StepLR(opt, { stepSize: 30, gamma: 0.1 });
//   for (...) { train(); opt.step(); sched.step(); }
//
// stateDict() uses torch's keys (step_size, base_lrs, last_epoch, _step_count, _last_lr, ...);
// loading one does not change the optimizer's learning rates (the optimizer's own state dict
// carries them), as in torch.
import type { Optimizer } from './optimizer';

type AnyOptimizer = Optimizer<{ lr: number }>;
type Json = number | string | boolean | null | Json[] | { [k: string]: Json };
export type SchedulerStateDict = Record<string, Json>;

function fmt(v: unknown): string {
  return Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function checkOptimizer(name: string, optimizer: unknown): AnyOptimizer {
  const o = optimizer as AnyOptimizer;
  if (!o || typeof o !== 'object' || !Array.isArray(o.paramGroups) || typeof o.step !== 'function') {
    throw new TypeError(`${name}: expected an optimizer but got ${fmt(optimizer)}`);
  }
  return o;
}

// Field kinds for loadStateDict's checks.
type Kind = 'number' | 'int' | 'numbers' | 'string' | 'counter' | 'number|inf';
function checkField(who: string, key: string, kind: Kind, v: unknown): void {
  const isNum = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  let ok: boolean;
  switch (kind) {
    case 'number': ok = isNum(v); break;
    case 'number|inf': ok = typeof v === 'number' && !Number.isNaN(v); break;
    case 'int': ok = Number.isInteger(v); break;
    case 'numbers': ok = Array.isArray(v) && v.every(isNum); break;
    case 'string': ok = typeof v === 'string'; break;
    case 'counter': ok = !!v && typeof v === 'object' && !Array.isArray(v) &&
      Object.entries(v).every(([k, c]) => Number.isInteger(Number(k)) && Number.isInteger(c) && (c as number) > 0); break;
  }
  if (!ok) throw new TypeError(`${who}: expected ${key} to be ${kind === 'counter' ? 'an object of milestone counts' : `a ${kind}`} but got ${fmt(v)}`);
}

/** Base of the epoch-indexed schedulers (torch's _LRScheduler). */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  /** Each group's initialLr when the scheduler was made. */
  baseLrs: number[];
  /** The epoch index of the last step (0 after construction). */
  lastEpoch: number;
  protected stepCount = 0;
  protected lastLr: number[] = [];

  /**
   * lastEpoch: -1 starts a schedule (sets each group's initialLr to its lr); a larger value
   * resumes one and needs initialLr in every group (from an optimizer state dict).
   * Subclasses call initialStep() at the end of their constructor.
   */
  constructor(optimizer: Optimizer<any>, lastEpoch = -1) {
    this.optimizer = checkOptimizer(this.constructor.name, optimizer);
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1) {
      throw new RangeError(`${this.name}: invalid lastEpoch ${fmt(lastEpoch)} (expected an integer >= -1)`);
    }
    const groups = this.optimizer.paramGroups;
    if (lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) {
          throw new RangeError(`${this.name}: parameter group ${i} has no initialLr, which resuming (lastEpoch ${lastEpoch}) needs`);
        }
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  get name(): string {
    return this.constructor.name;
  }

  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The learning rates of the next epoch, in the chainable form (from the groups' current lr). */
  protected abstract getLr(): number[];
  /** The scheduler's own fields for the state dict, under torch's names, and their kinds. */
  protected abstract fields(): Record<string, [Kind, () => Json, (v: any) => void]>;

  /** Advances one epoch and sets every group's lr. */
  step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    const values = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => {
      if (i < values.length) g.lr = values[i];
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The learning rates the last step() set, one per group. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  private allFields(): Record<string, [Kind, () => Json, (v: any) => void]> {
    return {
      ...this.fields(),
      base_lrs: ['numbers', () => this.baseLrs.slice(), (v) => (this.baseLrs = v.slice())],
      last_epoch: ['int', () => this.lastEpoch, (v) => (this.lastEpoch = v)],
      _step_count: ['int', () => this.stepCount, (v) => (this.stepCount = v)],
      _last_lr: ['numbers', () => this.lastLr.slice(), (v) => (this.lastLr = v.slice())],
    };
  }

  /** The scheduler's state under torch's keys (plain JSON-able values). */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, [, get]] of Object.entries(this.allFields())) out[k] = get();
    return out;
  }

  /** Loads a stateDict(): every field is checked before any is set. */
  loadStateDict(sd: SchedulerStateDict): void {
    loadFields(`${this.name}.loadStateDict`, sd, this.allFields(), this.optimizer.paramGroups.length);
  }
}

function loadFields(who: string, sd: SchedulerStateDict, fields: Record<string, [Kind, () => Json, (v: any) => void]>, groups: number): void {
  if (!sd || typeof sd !== 'object') throw new TypeError(`${who}: expected a state dict object`);
  for (const [k, [kind]] of Object.entries(fields)) {
    if (!(k in sd)) throw new RangeError(`${who}: the state dict has no ${k}`);
    checkField(who, k, kind, sd[k]);
    if ((k === 'base_lrs' || k === 'min_lrs') && (sd[k] as number[]).length !== groups) {
      throw new RangeError(`${who}: ${k} has ${(sd[k] as number[]).length} values but the optimizer has ${groups} parameter groups`);
    }
  }
  for (const [k, [, , set]] of Object.entries(fields)) set(sd[k]);
}

function positiveInt(name: string, key: string, v: unknown): number {
  if (!Number.isInteger(v) || (v as number) < 1) throw new RangeError(`${name}: invalid ${key} ${fmt(v)} (expected a positive integer)`);
  return v as number;
}
function nonNegative(name: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${name}: invalid ${key} ${fmt(v)} (expected a finite number >= 0)`);
  return v;
}

export interface StepLROptions { stepSize: number; gamma?: number; lastEpoch?: number }
/**
 * Multiplies each group's lr by gamma every stepSize epochs (torch.optim.lr_scheduler.StepLR).
 * Args: stepSize (required), gamma = 0.1, lastEpoch = -1.
 * Example: `new optim.StepLR(opt, { stepSize: 30, gamma: 0.1 })`: lr 0.05 for epochs 0-29, 0.005 for 30-59, ...
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  constructor(optimizer: Optimizer<any>, opts: StepLROptions) {
    const stepSize = positiveInt('StepLR', 'stepSize', opts?.stepSize);
    const gamma = nonNegative('StepLR', 'gamma', opts.gamma ?? 0.1);
    super(optimizer, opts.lastEpoch ?? -1);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    const lrs = this.optimizer.paramGroups.map((g) => g.lr);
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }
  protected fields(): Record<string, [Kind, () => Json, (v: any) => void]> {
    return {
      step_size: ['int', () => this.stepSize, (v) => (this.stepSize = v)],
      gamma: ['number', () => this.gamma, (v) => (this.gamma = v)],
    };
  }
}

export interface MultiStepLROptions { milestones: number[]; gamma?: number; lastEpoch?: number }
/**
 * Multiplies each group's lr by gamma at each milestone epoch (by gamma^k for a milestone listed
 * k times), as torch.optim.lr_scheduler.MultiStepLR. Args: milestones (required), gamma = 0.1, lastEpoch = -1.
 * Example: `new optim.MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 })`
 */
export class MultiStepLR extends LRScheduler {
  /** milestone epoch -> how many times it was listed (torch's Counter) */
  milestones: Map<number, number>;
  gamma: number;
  constructor(optimizer: Optimizer<any>, opts: MultiStepLROptions) {
    const ms = opts?.milestones;
    if (!Array.isArray(ms) || ms.some((m) => !Number.isInteger(m) || m < 0)) {
      throw new RangeError(`MultiStepLR: invalid milestones ${fmt(ms)} (expected an array of non-negative integers)`);
    }
    const gamma = nonNegative('MultiStepLR', 'gamma', opts.gamma ?? 0.1);
    super(optimizer, opts.lastEpoch ?? -1);
    this.milestones = new Map();
    for (const m of ms) this.milestones.set(m, (this.milestones.get(m) ?? 0) + 1);
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    const lrs = this.optimizer.paramGroups.map((g) => g.lr);
    const k = this.milestones.get(this.lastEpoch);
    if (k === undefined) return lrs;
    return lrs.map((lr) => lr * this.gamma ** k);
  }
  protected fields(): Record<string, [Kind, () => Json, (v: any) => void]> {
    return {
      milestones: ['counter', () => Object.fromEntries(this.milestones), (v) => {
        this.milestones = new Map(Object.entries(v as Record<string, number>).map(([m, c]) => [Number(m), c]));
      }],
      gamma: ['number', () => this.gamma, (v) => (this.gamma = v)],
    };
  }
}

export interface ExponentialLROptions { gamma: number; lastEpoch?: number }
/**
 * Multiplies each group's lr by gamma every epoch (torch.optim.lr_scheduler.ExponentialLR).
 * Args: gamma (required), lastEpoch = -1. Example: `new optim.ExponentialLR(opt, { gamma: 0.95 })`
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  constructor(optimizer: Optimizer<any>, opts: ExponentialLROptions) {
    const gamma = nonNegative('ExponentialLR', 'gamma', opts?.gamma);
    super(optimizer, opts.lastEpoch ?? -1);
    this.gamma = gamma;
    this.initialStep();
  }
  protected getLr(): number[] {
    const lrs = this.optimizer.paramGroups.map((g) => g.lr);
    if (this.lastEpoch === 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }
  protected fields(): Record<string, [Kind, () => Json, (v: any) => void]> {
    return { gamma: ['number', () => this.gamma, (v) => (this.gamma = v)] };
  }
}

export interface CosineAnnealingLROptions { tMax: number; etaMin?: number; lastEpoch?: number }
/**
 * Cosine annealing from each group's initial lr down to etaMin over tMax epochs, and back up
 * over the next tMax (torch.optim.lr_scheduler.CosineAnnealingLR, SGDR without restarts):
 *   lr_t = etaMin + (lr_0 - etaMin) * (1 + cos(pi * t / tMax)) / 2, computed recursively as torch does.
 * Args: tMax (required), etaMin = 0, lastEpoch = -1.
 * Example: `new optim.CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 })`
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;
  constructor(optimizer: Optimizer<any>, opts: CosineAnnealingLROptions) {
    const tMax = opts?.tMax;
    if (typeof tMax !== 'number' || !(tMax > 0) || !Number.isFinite(tMax)) {
      throw new RangeError(`CosineAnnealingLR: invalid tMax ${fmt(tMax)} (expected a finite number > 0)`);
    }
    const etaMin = nonNegative('CosineAnnealingLR', 'etaMin', opts.etaMin ?? 0);
    super(optimizer, opts.lastEpoch ?? -1);
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.initialStep();
  }
  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const { lastEpoch: e, tMax: T, etaMin } = this;
    if (e === 0) return groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs.slice(0, groups.length).map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    }
    if ((((e - 1 - T) % (2 * T)) + 2 * T) % (2 * T) === 0) {
      // Python's % is a floor modulo; torch zips base_lrs with the groups here (a group added later keeps its lr)
      return this.baseLrs.slice(0, groups.length).map((base, i) => groups[i].lr + ((base - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return groups.map(
      (g) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (g.lr - etaMin) + etaMin,
    );
  }
  protected fields(): Record<string, [Kind, () => Json, (v: any) => void]> {
    return {
      T_max: ['number', () => this.tMax, (v) => (this.tMax = v)],
      eta_min: ['number', () => this.etaMin, (v) => (this.etaMin = v)],
    };
  }
}

export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should fall (a loss); 'max': it should rise (an accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** lr *= factor on a plateau; 0 <= factor < 1. Default 0.1. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing. Default 10. */
  patience?: number;
  /** Smallest change that counts as an improvement. Default 1e-4. */
  threshold?: number;
  /** 'rel': relative to the best value; 'abs': absolute. Default 'rel'. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again. Default 0. */
  cooldown?: number;
  /** Lower bound on lr, one for all groups or one per group. Default 0. */
  minLr?: number | number[];
  /** Reductions smaller than eps are skipped. Default 1e-8. */
  eps?: number;
}

/**
 * Reduces each group's lr by factor when a metric has stopped improving for more than patience
 * epochs (torch.optim.lr_scheduler.ReduceLROnPlateau). Call `step(metric)` once per epoch.
 * Example:
 *   const sched = new optim.ReduceLROnPlateau(opt, { mode: 'min', patience: 5 });
 *   for (...) { train(); sched.step(validationLoss); }
 */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLrs: number[];
  eps: number;
  /** The best metric so far (Infinity / -Infinity before the first step). */
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: Optimizer<any>, opts: ReduceLROnPlateauOptions = {}) {
    const name = 'ReduceLROnPlateau';
    this.optimizer = checkOptimizer(name, optimizer);
    const o = opts ?? {};
    const factor = o.factor ?? 0.1;
    if (typeof factor !== 'number' || !(factor >= 0 && factor < 1)) throw new RangeError(`${name}: invalid factor ${fmt(factor)} (expected 0 <= factor < 1)`);
    this.factor = factor;
    const groups = this.optimizer.paramGroups.length;
    const minLr = o.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== groups) throw new RangeError(`${name}: expected ${groups} minLr values (one per parameter group) but got ${minLr.length}`);
      this.minLrs = minLr.map((v) => nonNegative(name, 'minLr', v));
    } else {
      this.minLrs = new Array(groups).fill(nonNegative(name, 'minLr', minLr));
    }
    const patience = o.patience ?? 10;
    if (!Number.isInteger(patience) || patience < 0) throw new RangeError(`${name}: invalid patience ${fmt(patience)} (expected an integer >= 0)`);
    this.patience = patience;
    const cooldown = o.cooldown ?? 0;
    if (!Number.isInteger(cooldown) || cooldown < 0) throw new RangeError(`${name}: invalid cooldown ${fmt(cooldown)} (expected an integer >= 0)`);
    this.cooldown = cooldown;
    this.threshold = nonNegative(name, 'threshold', o.threshold ?? 1e-4);
    this.eps = nonNegative(name, 'eps', o.eps ?? 1e-8);
    this.mode = o.mode ?? 'min';
    this.thresholdMode = o.thresholdMode ?? 'rel';
    this.checkModes(name);
    this.best = this.modeWorse();
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private checkModes(name: string): void {
    if (this.mode !== 'min' && this.mode !== 'max') throw new RangeError(`${name}: mode ${fmt(this.mode)} is unknown (expected 'min' or 'max')`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') {
      throw new RangeError(`${name}: thresholdMode ${fmt(this.thresholdMode)} is unknown (expected 'rel' or 'abs')`);
    }
  }
  private modeWorse(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Whether a is better than best under the mode and threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Records one epoch's metric (a number or a one-element tensor) and reduces lr on a plateau. */
  step(metric: number | { item(): number }): void {
    let current: number;
    if (typeof metric === 'number') current = metric;
    else if (metric && typeof metric.item === 'function') current = metric.item();
    else throw new TypeError(`ReduceLROnPlateau.step: expected the metric to be a number or a one-element tensor but got ${fmt(metric)}`);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs in cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const oldLr = g.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]);
      if (oldLr - newLr > this.eps) g.lr = newLr;
    });
  }

  /** The learning rates after the last step(), one per group. */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  private fields(): Record<string, [Kind, () => Json, (v: any) => void]> {
    // best and mode_worse may be +-Infinity: JSON.stringify turns those into null, so a JSON
    // file needs a replacer (or store the state dict in safetensors metadata via your own encoding).
    return {
      factor: ['number', () => this.factor, (v) => (this.factor = v)],
      min_lrs: ['numbers', () => this.minLrs.slice(), (v) => (this.minLrs = v.slice())],
      patience: ['int', () => this.patience, (v) => (this.patience = v)],
      cooldown: ['int', () => this.cooldown, (v) => (this.cooldown = v)],
      cooldown_counter: ['int', () => this.cooldownCounter, (v) => (this.cooldownCounter = v)],
      mode: ['string', () => this.mode, (v) => (this.mode = v)],
      threshold: ['number', () => this.threshold, (v) => (this.threshold = v)],
      threshold_mode: ['string', () => this.thresholdMode, (v) => (this.thresholdMode = v)],
      best: ['number|inf', () => this.best, (v) => (this.best = v)],
      num_bad_epochs: ['int', () => this.numBadEpochs, (v) => (this.numBadEpochs = v)],
      mode_worse: ['number|inf', () => this.modeWorse(), () => undefined],
      eps: ['number', () => this.eps, (v) => (this.eps = v)],
      last_epoch: ['int', () => this.lastEpoch, (v) => (this.lastEpoch = v)],
      _last_lr: ['numbers', () => this.lastLr.slice(), (v) => (this.lastLr = v.slice())],
    };
  }

  /** The scheduler's state under torch's keys. */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, [, get]] of Object.entries(this.fields())) out[k] = get();
    return out;
  }

  /** Loads a stateDict(): every field is checked before any is set. */
  loadStateDict(sd: SchedulerStateDict): void {
    const who = 'ReduceLROnPlateau.loadStateDict';
    if (sd && typeof sd === 'object') {
      if (sd.mode !== 'min' && sd.mode !== 'max') throw new RangeError(`${who}: mode ${fmt(sd.mode)} is unknown (expected 'min' or 'max')`);
      if (sd.threshold_mode !== 'rel' && sd.threshold_mode !== 'abs') {
        throw new RangeError(`${who}: threshold_mode ${fmt(sd.threshold_mode)} is unknown (expected 'rel' or 'abs')`);
      }
    }
    loadFields(who, sd, this.fields(), this.optimizer.paramGroups.length);
  }
}
