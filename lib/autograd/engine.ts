// The backward engine: walks the graph from a root in reverse topological order, summing
// gradients that meet at a node, accumulating into leaves' .grad, and releasing each node's
// saved tensors once it has run (unless retainGraph).
//
// The gradients flowing through the graph are the engine's own: made during the pass (by the
// backward functions, or as sums where paths meet), seen by nobody else once consumed. Each is
// freed as soon as no pending node holds it (PyTorch frees them by reference count) rather than
// left to the garbage collector, whose runs the native memory they report otherwise triggers
// about once a step (the seed CNN made some 30 MB of gradients a step). Leaf gradients are
// copies (accumulateLeaf) or stolen gradients nothing else reads, so nothing the caller sees is
// freed; tensors made before the pass (the seed gradient, the caller's) never are. A leaf
// gradient made here stays marked unseen until code outside flint reads it through `.grad`;
// zeroGrad frees an unseen one at once (Tensor._dropGrad), where the garbage collector would
// find it only at its next major collection (the seed MLP: 2 MB of weight gradients a step).
import type { NativeTensor } from '../../binding';
import { keep, tensorCount, tidyScopes, type Tensor } from '../tensor';
import { Node } from './node';
import { noGrad } from './grad_mode';

export function runBackward(root: Tensor, grad: Tensor, retainGraph: boolean): void {
  const rootNode = root.gradFn;
  if (!rootNode) {
    // A leaf: backward on it just accumulates the seed.
    noGrad(() => accumulateLeaf(root, grad));
    return;
  }
  // Topological order by iterative DFS (post-order), so deep graphs (RNNs) do not overflow.
  const order: Node[] = [];
  const seen = new Set<Node>();
  const stack: [Node, number][] = [[rootNode, 0]];
  seen.add(rootNode);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    const inputs = node.inputs;
    if (!inputs) {
      throw new Error(
        `backward: the graph through ${node.name} was already freed by an earlier backward(); ` +
          'pass { retainGraph: true } to the first backward to run it again',
      );
    }
    if (i < inputs.length) {
      top[1] = i + 1;
      const fn = inputs[i].gradFn;
      if (fn && !seen.has(fn)) {
        seen.add(fn);
        stack.push([fn, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  const grads = new Map<Node, Tensor>();
  grads.set(rootNode, grad);
  // Pending gradients by handle (two tensors may wrap one handle), and what to free.
  const firstId = tensorCount();
  const held = new Map<NativeTensor, number>();
  const hold = (t: Tensor) => held.set(t._h, (held.get(t._h) ?? 0) + 1);
  const drop = (t: Tensor) => {
    const n = held.get(t._h)! - 1;
    if (n === 0) held.delete(t._h);
    else held.set(t._h, n);
  };
  const spent: Tensor[] = [];
  const taken = new Set<NativeTensor>(); // handles that became a leaf's .grad
  noGrad(() => {
    for (let k = order.length - 1; k >= 0; k--) {
      const node = order[k];
      const g = grads.get(node);
      grads.delete(node);
      const inputs = node.inputs!;
      if (g === undefined) {
        if (!retainGraph) node.release();
        continue;
      }
      if (g !== grad) drop(g);
      node.checkVersions();
      const inGrads = runNode(node, g, held, taken);
      spent.push(g);
      for (let i = 0; i < inputs.length; i++) {
        const x = inputs[i];
        const gi = inGrads[i];
        if (!gi) continue;
        spent.push(gi);
        if (!x.requiresGrad) continue;
        if (x.gradFn) {
          const prev = grads.get(x.gradFn);
          const sum = prev ? prev.add(gi) : gi;
          if (prev) drop(prev);
          grads.set(x.gradFn, sum);
          hold(sum);
        } else if (!x._grad && gi._id >= firstId && !held.has(gi._h) && !taken.has(gi._h) && gi.dtype === x.dtype &&
          gi._h.soleContiguous) {
          // The engine's own gradient, and nothing else reads its storage: it becomes .grad as
          // it is (PyTorch steals it too) instead of being copied.
          checkLeafShape(x, gi);
          x._grad = keep(gi);
          gi._unseen = true;
          taken.add(gi._h);
        } else {
          accumulateLeaf(x, gi);
        }
      }
      if (!retainGraph) node.release();
      for (const t of spent) if (t._id >= firstId && !held.has(t._h) && !taken.has(t._h) && !t._h.disposed) t._h.dispose();
      spent.length = 0;
    }
  });
}

/**
 * Runs a node's backward and frees the tensors it made but does not return (a contiguous copy
 * of a broadcast gradient, the product a reshaped view is taken of: their storage lives on in
 * the returned views where one is). Backward functions make tensors from native results and
 * views of them; they never wrap a handle made elsewhere. Inside an enclosing tidy() the
 * returned gradients join its scope.
 */
function runNode(node: Node, g: Tensor, held: Map<NativeTensor, unknown>, taken: Set<NativeTensor>): (Tensor | null)[] {
  const scope: Tensor[] = [];
  tidyScopes.push(scope);
  let inGrads: (Tensor | null)[];
  try {
    inGrads = node.backwardFn!(g);
  } finally {
    tidyScopes.pop();
  }
  if (scope.length === 0) return inGrads;
  const out = new Set<NativeTensor>();
  for (const t of inGrads) if (t) out.add(t._h);
  for (const t of scope) {
    if (!out.has(t._h) && t._h !== g._h && !held.has(t._h) && !taken.has(t._h)) t._h.dispose();
  }
  const parent = tidyScopes.length !== 0 ? tidyScopes[tidyScopes.length - 1] : null;
  if (parent) for (const t of scope) if (out.has(t._h)) parent.push(t);
  return inGrads;
}

function checkLeafShape(x: Tensor, g: Tensor): void {
  if (g.shape.length !== x.shape.length || g.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(`backward: gradient of shape [${g.shape}] does not match leaf of shape [${x.shape}]`);
  }
}

function accumulateLeaf(x: Tensor, g: Tensor): void {
  checkLeafShape(x, g);
  if (x._grad) {
    x._grad._accumulate(g);
  } else {
    // A private contiguous copy: g may be shared with other inputs or be a broadcast view.
    const c = keep(g.clone());
    c._unseen = true;
    x._grad = c;
  }
}
