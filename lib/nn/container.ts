// nn.ModuleList: submodules held in a list, named '0', '1', ... as PyTorch's, so their
// parameters appear in the parent's parameters() and state dict in list order.
import { Tensor } from '../tensor';
import { Module } from './module';

/**
 * Holds submodules in a list. The modules are registered (their parameters are the list's
 * parameters, state-dict keys `0.weight`, `1.weight`, ...), but a ModuleList has no forward:
 * call its modules yourself.
 *
 * Args: modules (optional iterable of modules).
 * Methods: append(m), extend(ms), insert(i, m), at(i) (negative i counts from the end),
 * set(i, m), length, iteration (for ... of).
 *
 * Example:
 *   class MLP extends nn.Module {
 *     layers = new nn.ModuleList([new nn.Linear(784, 256), new nn.Linear(256, 10)]);
 *     forward(x: Tensor) { for (const l of this.layers) x = l.forward(x).relu(); return x; }
 *   }
 */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  constructor(modules: Iterable<M> = []) {
    super();
    this.extend(modules);
  }

  private get slots(): Record<string, M | undefined> {
    return this as unknown as Record<string, M | undefined>;
  }

  get length(): number {
    let n = 0;
    while (this.slots[String(n)] instanceof Module) n++;
    return n;
  }

  private index(i: number, len: number, op: string): number {
    if (!Number.isInteger(i) || i < -len || i >= len) {
      throw new RangeError(`ModuleList.${op}: index ${i} is out of range for a list of ${len} modules`);
    }
    return i < 0 ? i + len : i;
  }

  private check(m: unknown, op: string): M {
    if (!(m instanceof Module)) throw new TypeError(`ModuleList.${op}: expected a Module but got ${m === null ? 'null' : typeof m}`);
    return m as M;
  }

  at(i: number): M {
    return this.slots[String(this.index(i, this.length, 'at'))]!;
  }

  set(i: number, m: M): void {
    this.slots[String(this.index(i, this.length, 'set'))] = this.check(m, 'set');
  }

  append(m: M): this {
    this.slots[String(this.length)] = this.check(m, 'append');
    return this;
  }

  extend(modules: Iterable<M>): this {
    if (modules === null || typeof (modules as Iterable<M>)[Symbol.iterator] !== 'function') {
      throw new TypeError('ModuleList.extend: expected an iterable of modules');
    }
    const list = Array.from(modules);
    list.forEach((m, k) => this.check(m, `extend (element ${k})`));
    for (const m of list) this.append(m);
    return this;
  }

  /** Inserts m before index i (i = length appends). */
  insert(i: number, m: M): void {
    const len = this.length;
    this.check(m, 'insert');
    const at = i === len ? len : this.index(i, len, 'insert');
    for (let k = len; k > at; k--) this.slots[String(k)] = this.slots[String(k - 1)];
    this.slots[String(at)] = m;
  }

  *[Symbol.iterator](): Iterator<M> {
    const n = this.length;
    for (let i = 0; i < n; i++) yield this.slots[String(i)]!;
  }

  forward(..._args: Tensor[]): Tensor {
    throw new Error('ModuleList: has no forward(); iterate over it and call its modules');
  }
}
