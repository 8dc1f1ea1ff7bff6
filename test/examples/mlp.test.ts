// examples/mlp.ts run as a program on real MNIST (--limit: the first 6400 training and test
// images, 100 batches an epoch): the seed's lines, a learned model, the saved state dict.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { load } from '../../lib/io';
import { describeMnist, MNIST_DIR } from '../data/mnist_files';
import { runExample } from './run_example';

describeMnist('examples/mlp.ts', () => {
  test('two epochs on 6400 images: loss lines, epoch lines, test accuracy; --out saves PyTorch keys', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-mlp-'));
    try {
      const out = path.join(tmp, 'mlp.safetensors');
      const r = runExample('mlp', ['--data', MNIST_DIR, '--limit', '6400', '--epochs', '2', '--out', out]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.lines).toContain('  (fc1): Linear(inFeatures=784, outFeatures=512, bias=true)');
      expect(r.lines).toContainEqual(expect.stringMatching(/^training on 6400 MNIST images from \S+, SGD lr 0\.01, batch 64, \d+ threads$/));
      expect(r.lines).toContainEqual(expect.stringMatching(/^\[1, {3}100\] loss: \d\.\d{3}$/));
      expect(r.lines).toContainEqual(expect.stringMatching(/^\[2, {3}100\] loss: \d\.\d{3}$/));
      expect(r.lines).toContainEqual(expect.stringMatching(/^mlp ep1 [\d.]+s loss \d\.\d{4} \(100 batches, \d+ samples\/s\)$/));
      const acc = r.lines.flatMap((l) => /^Accuracy of the network on the 6400 test images: ([\d.]+) %$/.exec(l)?.[1] ?? []).map(Number);
      expect(acc).toHaveLength(2);
      expect(acc[1]).toBeGreaterThan(50); // 200 plain SGD steps: about 66 %; chance is 10
      expect(r.lines).toContain(`saved the state dict to ${out}`);
      const sd = load(out);
      expect(Object.keys(sd).sort()).toEqual(['fc1.bias', 'fc1.weight', 'fc2.bias', 'fc2.weight', 'fc3.bias', 'fc3.weight']);
      expect(sd['fc1.weight'].shape).toEqual([512, 784]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
