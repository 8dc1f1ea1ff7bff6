// tidy(fn): frees, when fn returns or throws, every tensor made inside it that fn does not
// return, as tf.tidy does. Memory is freed anyway when handles are collected; tidy makes it
// immediate, which matters for big transient tensors (an evaluation forward at batch 1000 makes
// hundreds of megabytes of intermediates that would otherwise wait for the garbage collector).
//
// Survive the scope: what fn returns (a tensor, or tensors reachable from what it returns:
// arrays, Maps, Sets, plain objects and class instances, through their own enumerable
// properties), tensors passed to keep(), nn.Parameters and other leaves that require grad, leaf
// gradients written by backward(), module buffers and optimizer state. A graph through a freed
// tensor can no longer backpropagate: run backward() inside the same scope, or use tidy for
// inference and evaluation.
import { Tensor, tidyScopes, keptTensors, keep as markKept } from './tensor';

/** Marks t to survive the tidy() scopes it is made in (and any enclosing one); returns t. */
export function keep<T extends Tensor>(t: T): T {
  if (!(t instanceof Tensor)) {
    const got = t === null ? 'null' : typeof t === 'object' ? (t as object).constructor?.name ?? 'object' : typeof t;
    throw new TypeError(`keep: expected a tensor but got ${got}`);
  }
  return markKept(t);
}

/** Adds the tensors reachable from v to out. */
function collect(root: unknown, out: Set<Tensor>): void {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length !== 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Tensor) {
      out.add(v);
      if (v._grad) out.add(v._grad);
      continue;
    }
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet) continue;
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') stack.push(x);
    } else if (v instanceof Map) {
      for (const [k, x] of v) stack.push(k, x);
    } else if (v instanceof Set) {
      for (const x of v) stack.push(x);
    } else {
      for (const x of Object.values(v)) if (x !== null && typeof x === 'object') stack.push(x);
    }
  }
}

/** Runs fn and frees the tensors it made that it does not return (see above). */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError('tidy: expected a function');
  const scope: Tensor[] = [];
  tidyScopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    tidyScopes.pop();
    release(scope, new Set());
    throw e;
  }
  tidyScopes.pop();
  if (result instanceof Promise) {
    // the tensors an async fn makes after its first await are not in the scope
    result.catch(() => undefined);
    release(scope, new Set());
    throw new TypeError('tidy: fn must be synchronous (it returned a Promise)');
  }
  const returned = new Set<Tensor>();
  collect(result, returned);
  release(scope, returned);
  return result;
}

function release(scope: Tensor[], returned: Set<Tensor>): void {
  const parent = tidyScopes.length !== 0 ? tidyScopes[tidyScopes.length - 1] : null;
  const survives = (t: Tensor) => returned.has(t) || keptTensors.has(t) || (t.requiresGrad && t.isLeaf);
  // A handle can be shared (nn.Parameter wraps its data tensor's): it lives if any holder does.
  const liveHandles = new Set<unknown>();
  for (const t of scope) if (survives(t)) liveHandles.add(t._h);
  for (const t of scope) {
    if (!survives(t)) {
      if (!liveHandles.has(t._h) && !t.disposed) t._h.dispose();
    } else if (parent && !keptTensors.has(t)) {
      parent.push(t); // an enclosing tidy decides about it
    }
  }
}
