// flint writing into a pipe whose reader stops early (`flint train | head -1`): it stops quietly
// with the exit status it would have had, no EPIPE stack trace.
import { spawn } from 'child_process';
import * as path from 'path';
import { describeMnist, MNIST_DIR } from '../data/mnist_files';

const ROOT = path.resolve(__dirname, '..', '..');

describeMnist('a closed stdout', () => {
  test('flint train | head -1: exit 0, nothing on stderr', async () => {
    const child = spawn(process.execPath, ['-r', path.join(ROOT, 'test', 'examples', 'swc_register.js'), path.join(ROOT, 'scripts', 'flint.ts'),
      'train', '--model', 'mlp', '--data', MNIST_DIR, '--limit', '6400', '--epochs', '3', '--threads', '1'], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d))));
    child.stdout.destroy(); // the reader goes away
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(first).toMatch(/^training mlp on MNIST/);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 60_000);
});
