// The examples' flags: counts, seeds and choices are checked before any data is loaded (a usage
// error: the message and the usage, exit 2), output files before training (exit 1); gan writes
// its sample grid only when --samples is given. Nothing here loads MNIST: every run stops at its
// flags (--data points at a folder that does not exist, to show that).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UsageError, choiceFlag, intFlag, outputFile, runMain } from '../../examples/cli';
import { main as mlpMain } from '../../examples/mlp';
import { main as rnnMain } from '../../examples/rnn';
import { main as lstmMain } from '../../examples/lstm';
import { main as ganMain } from '../../examples/gan';
import { main as aeMain } from '../../examples/autoencoder';
import { runExample } from './run_example';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-examples-cli-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const NO_DATA = path.join(os.tmpdir(), 'flint-no-such-data-folder');

describe('the flag helpers', () => {
  test('intFlag: whole numbers >= min; the default when absent and optional', () => {
    expect(intFlag('epochs', '3', 1)).toBe(3);
    expect(intFlag('seed', '0', 0)).toBe(0);
    expect(intFlag('limit', undefined, 1, 'optional')).toBeUndefined();
    for (const bad of ['abc', '0', '-1', '2.5', '', '1e3', '0x10', 'NaN', '99999999999999999999']) {
      expect(() => intFlag('epochs', bad, 1)).toThrow(new UsageError(`--epochs expects a whole number >= 1 but got '${bad}'`));
    }
    expect(() => intFlag('epochs', 'abc', 1)).toThrow(UsageError);
  });
  test('choiceFlag and outputFile', () => {
    expect(choiceFlag('cell', 'gru', ['lstm', 'gru'])).toBe('gru');
    expect(() => choiceFlag('cell', 'transformer', ['lstm', 'gru', 'rnn'])).toThrow(
      new UsageError("--cell must be one of lstm, gru, rnn but got 'transformer'"));
    const ok = path.join(tmp, 'x.safetensors');
    expect(outputFile('out', ok)).toBe(ok);
    expect(() => outputFile('out', path.join(tmp, 'nope', 'x.safetensors'))).toThrow(
      `--out: the folder ${path.join(tmp, 'nope')} does not exist (create it first)`);
    expect(() => outputFile('samples', tmp)).toThrow(`--samples: ${tmp} is a folder; give a file name in it`);
    expect(() => outputFile('out', '')).toThrow(UsageError);
  });
});

describe('runMain', () => {
  let errors: string[];
  let spy: jest.SpyInstance;
  beforeEach(() => {
    errors = [];
    spy = jest.spyOn(console, 'error').mockImplementation((s: string) => void errors.push(s));
  });
  afterEach(() => {
    spy.mockRestore();
    process.exitCode = 0;
  });
  /** runMain in this process: the exit code and what it printed to stderr. */
  const run = (main: (argv: string[]) => void, argv: string[]) => {
    process.exitCode = 0;
    runMain('usage: example [flags]', main, argv);
    return { code: process.exitCode, err: errors.join('\n') };
  };

  test.each([
    ['mlp', ['--epochs', 'abc'], "--epochs expects a whole number >= 1 but got 'abc'", mlpMain],
    ['mlp', ['--epochs', '0'], "--epochs expects a whole number >= 1 but got '0'", mlpMain],
    ['mlp', ['--limit', '0'], "--limit expects a whole number >= 1 but got '0'", mlpMain],
    ['mlp', ['--limit=-1'], "--limit expects a whole number >= 1 but got '-1'", mlpMain],
    ['mlp', ['--seed', 'abc'], "--seed expects a whole number >= 0 but got 'abc'", mlpMain],
    ['mlp', ['--threads', '0'], "--threads expects a whole number >= 1 but got '0'", mlpMain],
    ['rnn', ['--batches', '0'], "--batches expects a whole number >= 1 but got '0'", rnnMain],
    ['rnn', ['--cell', 'transformer'], "--cell must be one of lstm, gru, rnn but got 'transformer'", rnnMain],
    ['lstm', ['--steps', 'abc'], "--steps expects a whole number >= 1 but got 'abc'", lstmMain],
    ['lstm', ['--warmup=-1'], "--warmup expects a whole number >= 0 but got '-1'", lstmMain],
    ['lstm', ['--optim', 'lbfgs'], "--optim must be one of sgd, adam but got 'lbfgs'", lstmMain],
    ['gan', ['--epochs', '0'], "--epochs expects a whole number >= 1 but got '0'", ganMain],
    ['gan', ['--limit', '2.5'], "--limit expects a whole number >= 1 but got '2.5'", ganMain],
    ['autoencoder', ['--epochs', '1.5'], "--epochs expects a whole number >= 1 but got '1.5'", aeMain],
    ['autoencoder', ['--threads', 'many'], "--threads expects a whole number >= 1 but got 'many'", aeMain],
  ])('%s %j: a usage error (exit 2) before loading data', (name, argv, message, main) => {
    const data = name === 'lstm' ? [] : ['--data', NO_DATA]; // lstm reads no data
    const r = run(main as (a: string[]) => void, [...data, ...(argv as string[])]);
    expect(r.err).toBe(`${message}\nusage: example [flags]`);
    expect(r.code).toBe(2);
  });

  test.each([
    ['mlp', 'out', mlpMain],
    ['gan', 'out', ganMain],
    ['gan', 'samples', ganMain],
    ['autoencoder', 'out', aeMain],
    ['autoencoder', 'samples', aeMain],
  ])('%s --%s into a missing folder fails (exit 1) before loading data', (_name, flag, main) => {
    const r = run(main as (a: string[]) => void, ['--data', NO_DATA, `--${flag}`, path.join(tmp, 'nope', 'f')]);
    expect(r.err).toBe(`--${flag}: the folder ${path.join(tmp, 'nope')} does not exist (create it first)`);
    expect(r.code).toBe(1);
  });
});

describe('as programs', () => {
  test('bad numbers exit 2 with the message and the usage', () => {
    const r = runExample('mlp', ['--epochs', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("--epochs expects a whole number >= 1 but got 'abc'\n" +
      'usage: node dist/examples/mlp.js [--data DIR] [--epochs 3] [--limit N] [--out mlp.safetensors] [--seed 0] [--threads N]\n');
    const cnn = runExample('cnn', ['--limit', '0']);
    expect(cnn.code).toBe(2);
    expect(cnn.stderr).toMatch(/^--limit expects a whole number >= 1 but got '0'\nusage: node dist\/examples\/cnn\.js/);
  });

  test('gan --help: --samples without a default (the grid is written only when asked for)', () => {
    const h = runExample('gan', ['--help']);
    expect(h.code).toBe(0);
    expect(h.lines[0]).toBe('usage: node dist/examples/gan.js [--data DIR] [--epochs 10] [--limit N] [--samples grid.png] ' +
      '[--out G.safetensors] [--seed 0] [--threads N]');
  });
});
