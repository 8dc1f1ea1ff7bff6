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

  // A Node TypeScript project has @types/node (the declarations mention Buffer).
  test('TypeScript consumers get the declared types (strict, no skipLibCheck)', () => {
    fs.writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')] }, files: ['c.ts'] }),
    );
    fs.writeFileSync(
      path.join(dir, 'c.ts'),
      "import { tensor, Tensor, nn } from 'flint';\n" +
        'const t: Tensor = tensor([1, 2]);\n' +
        'const n: number = t.item();\n' +
        'const lin = new nn.Linear(2, 3);\n' +
        'const y: Tensor = lin.forward(t);\n' +
        '// @ts-expect-error dataSync() is a typed array, not a string\n' +
        'const bad: string = t.dataSync();\n' +
        'export { n, y, bad };\n',
    );
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = require('child_process').spawnSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
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
