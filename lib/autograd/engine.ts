// The backward engine: walks the graph from a root in reverse topological order, summing
// gradients that meet at a node, accumulating into leaves' .grad, and releasing each node's
// saved tensors once it has run (unless retainGraph).
import { keep, type Tensor } from '../tensor';
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
      node.checkVersions();
      const inGrads = node.backwardFn!(g);
      for (let i = 0; i < inputs.length; i++) {
        const x = inputs[i];
        const gi = inGrads[i];
        if (!gi || !x.requiresGrad) continue;
        if (x.gradFn) {
          const prev = grads.get(x.gradFn);
          grads.set(x.gradFn, prev ? prev.add(gi) : gi);
        } else {
          accumulateLeaf(x, gi);
        }
      }
      if (!retainGraph) node.release();
    }
  });
}

function accumulateLeaf(x: Tensor, g: Tensor): void {
  if (g.shape.length !== x.shape.length || g.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(`backward: gradient of shape [${g.shape}] does not match leaf of shape [${x.shape}]`);
  }
  if (x.grad) {
    x.grad._accumulate(g);
  } else {
    // A private contiguous copy: g may be shared with other inputs or be a broadcast view.
    x.grad = keep(g.clone());
  }
}
