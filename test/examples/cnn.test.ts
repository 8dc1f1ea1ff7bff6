// examples/cnn.ts run as a program on real MNIST (--limit 3200: 50 batches of 64): the seed's
// lines and a model that learned (chance is 10 %).
import { describeMnist, MNIST_DIR } from '../data/mnist_files';
import { runExample } from './run_example';

describeMnist('examples/cnn.ts', () => {
  test('one epoch on 3200 images: the header, the epoch line and the test accuracy', () => {
    const r = runExample('cnn', ['--data', MNIST_DIR, '--limit', '3200', '--threads', '1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.lines).toContainEqual(expect.stringMatching(/^SimpleCNN on 3200 MNIST images \(\S+\), Adam lr 0\.001, batch 64, 1 threads$/));
    expect(r.lines).toContainEqual(expect.stringMatching(/^epoch 1: [\d.]+ s$/));
    const acc = r.lines.flatMap((l) => /^Accuracy on the 3200 test images: ([\d.]+) %$/.exec(l)?.[1] ?? []).map(Number);
    expect(acc).toHaveLength(1);
    expect(acc[0]).toBeGreaterThan(70); // 50 Adam steps: about 85-90 %
  });

  test('--help prints the usage; an unknown flag exits 2 with the usage', () => {
    const h = runExample('cnn', ['--help']);
    expect(h.code).toBe(0);
    expect(h.lines[0]).toMatch(/^usage: node dist\/examples\/cnn\.js/);
    const bad = runExample('cnn', ['--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--bogus'[\s\S]*usage: /);
  });
});
