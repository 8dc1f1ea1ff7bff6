// tidy(fn): frees, when fn returns, every tensor made inside it that fn does not return, as
// tf.tidy does. Memory is freed anyway when handles are collected; tidy makes it immediate,
// which matters for big transient tensors (an evaluation forward at batch 1000 makes hundreds
// of megabytes of intermediates that would otherwise wait for the garbage collector).
//
// Survive the scope: what fn returns (a tensor, or tensors inside arrays, plain objects and
// Maps it returns), tensors passed to keep(), leaves that require grad (parameters), leaf
// gradients written by backward(), module buffers and optimizer state. A graph through a freed
// tensor can no longer backpropagate: run backward() inside the same scope, or use tidy for
// inference and evaluation.
import { Tensor, tidyScopes, keptTensors } from './tensor';

export { keep } from './tensor';

function collect(v: unknown, out: Set<Tensor>, seen: Set<unknown>): void {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  if (v instanceof Tensor) {
    out.add(v);
    if (v.grad) out.add(v.grad);
    return;
  }
  if (Array.isArray(v)) for (const x of v) collect(x, out, seen);
  else if (v instanceof Map) for (const [k, x] of v) (collect(k, out, seen), collect(x, out, seen));
  else if (Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) collect(x, out, seen);
}

/** Runs fn and frees the tensors it made that it does not return (see above). */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError('tidy: expected a function');
  const scope: Tensor[] = [];
  tidyScopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    tidyScopes.pop();
  }
  if (result instanceof Promise) {
    // the tensors an async fn makes after its first await are not in the scope
    result.catch(() => undefined);
    release(scope, new Set());
    throw new TypeError('tidy: fn must be synchronous (it returned a Promise)');
  }
  const returned = new Set<Tensor>();
  collect(result, returned, new Set());
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
