// The recurrent seed programs run end to end: examples/lstm.ts (tiny LSTM regression) learns,
// examples/rnn.ts (MNIST row by row) prints the seed's loss and accuracy lines.
import { main as lstmMain } from '../../examples/lstm';
import { main as rnnMain, RNNClassifier } from '../../examples/rnn';
import * as flint from '../../lib';
import { describeMnist, MNIST_DIR } from '../data/mnist_files';

function run(main: (argv: string[], log: (s: string) => void) => void, argv: string[]): string[] {
  const lines: string[] = [];
  main(argv, (s) => lines.push(...s.split('\n')));
  return lines;
}

test.each(['sgd', 'adam'])('examples/lstm.ts (%s): the loss goes down over 100 steps', (optim) => {
  const lines = run(lstmMain, ['--optim', optim]);
  const losses = lines.filter((l) => l.startsWith('step [')).map((l) => Number(/loss: (.*)$/.exec(l)![1]));
  expect(losses).toHaveLength(10);
  expect(lines[0]).toMatch(/^step \[10\/100\] loss: \d+\.\d{4}$/);
  expect(losses[9]).toBeLessThan(losses[0]);
  expect(lines[lines.length - 1]).toMatch(new RegExp(`^100 steps \\(${optim}\\): [\\d.]+ ms, [\\d.]+ ms a step$`));
});

test('RNNClassifier: PyTorch keys, [N, 1, 28, 28] -> [N, 10] logits', () => {
  const m = new RNNClassifier('gru');
  expect(Object.keys(m.stateDict())).toEqual(['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'fc.weight', 'fc.bias']);
  expect(m.forward(flint.randn([3, 1, 28, 28])).shape).toEqual([3, 10]);
});

describeMnist('examples/rnn.ts on MNIST', () => {
  test('100 batches of the LSTM: the seed\'s loss line and a test accuracy well above chance', () => {
    const lines = run(rnnMain, ['--data', MNIST_DIR, '--batches', '100', '--seed', '1']);
    expect(lines).toContainEqual(expect.stringMatching(/^\[1, {3}100\] loss: \d\.\d{3}$/));
    expect(lines).toContainEqual(expect.stringMatching(/^epoch 1: [\d.]+ s, 100 batches, \d+ samples\/s$/));
    const acc = Number(/^Accuracy of the network on the 10000 test images: (.*) %$/.exec(lines[lines.length - 1])![1]);
    expect(acc).toBeGreaterThan(50);
  });
});
