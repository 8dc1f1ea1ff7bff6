// Grad mode: whether ops record the graph. noGrad(fn) runs fn with recording off.

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

export function setGradEnabled(on: boolean): void {
  enabled = on;
}

/** Runs fn without recording operations for autograd (PyTorch's `torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`noGrad: expected a function but got ${fn === null ? 'null' : typeof fn}`);
  const prev = enabled;
  enabled = false;
  try {
    const r = fn();
    if (r instanceof Promise) throw new TypeError('noGrad: fn must be synchronous (got a Promise)');
    return r;
  } finally {
    enabled = prev;
  }
}

/** Runs fn with recording on, even inside noGrad (PyTorch's `torch.enable_grad()`). */
export function enableGrad<T>(fn: () => T): T {
  const prev = enabled;
  enabled = true;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}
