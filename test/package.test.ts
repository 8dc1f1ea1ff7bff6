// The package as users load it: `require('flint')` and `import ... from 'flint'` from plain
// Node (compiled JS in dist/, no ts-node), through a node_modules link to this checkout.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const built = fs.existsSync(path.join(root, 'dist', 'lib', 'index.js'));

(built ? describe : describe.skip)('package entry points', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flint-pkg-'));
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(root, path.join(dir, 'node_modules', 'flint'), 'dir');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('require from CommonJS', () => {
    fs.writeFileSync(
      path.join(dir, 'a.cjs'),
      "const f = require('flint'); const t = f.tensor([[1, 2], [3, 4]]);" +
        "console.log(JSON.stringify(t.matmul(t).toArray()), typeof f.nn.Linear, typeof f.optim.SGD);",
    );
    const out = execFileSync(process.execPath, ['a.cjs'], { cwd: dir, encoding: 'utf8' });
    expect(out.trim()).toBe('[[7,10],[15,22]] function function');
  });

  test('named and namespace imports from ES modules', () => {
    fs.writeFileSync(
      path.join(dir, 'b.mjs'),
      "import * as flint from 'flint'; import { tensor, nn, noGrad } from 'flint';" +
        "const y = noGrad(() => new nn.Linear(2, 3).forward(tensor([[1, 2]])));" +
        "console.log(y.shape.join('x'), typeof flint.manualSeed);",
    );
    const out = execFileSync(process.execPath, ['b.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(out.trim()).toBe('1x3 function');
  });
});

if (!built) {
  test.skip('package entry points (dist/ not built: run npm run build:ts)', () => undefined);
}
