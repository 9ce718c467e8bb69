import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

// Run by `npm run test:jsii` (and CI), not `npm test`: about 12 s of compiling and generating.
// The library as other languages see it: a jsii compile of src/ and imports/ in a copy of the project (so the
// working tree's lib/ and .jsii are left alone), API.md regenerated from that assembly and compared with the
// committed one, and jsii-pacmak's Python, Java, .NET and Go sources generated offline (--code-only: building
// those packages needs each language's own package registry).

const REPO = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(REPO, 'node_modules', '.bin');
const COPIED = ['package.json', 'tsconfig.jsii.json', 'README.md', 'src', 'imports'];

let project: string;

function run(tool: string, args: string[]): string {
  const result = spawnSync(path.join(BIN, tool), args, {
    cwd: project, encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '', JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: process.versions.node.split('.')[0] },
  });
  if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return `${result.stdout}${result.stderr}`;
}

beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'jsii-'));
  for (const entry of COPIED) fs.cpSync(path.join(REPO, entry), path.join(project, entry), { recursive: true });
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(project, 'node_modules'), 'dir');
  run('jsii', ['--silence-warnings=reserved-word']);
}, 60_000);

afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

describe('jsii', () => {
  test('compiles the library into an assembly of the public API only', () => {
    const assembly = JSON.parse(fs.readFileSync(path.join(project, '.jsii'), 'utf8'));
    const names = Object.keys(assembly.types).map((fqn) => fqn.replace(/^cdk8s-istio-lightstep\./, ''));
    expect(names).toEqual(expect.arrayContaining(['Bookinfo', 'LightstepTracing', 'LightstepCaCertSecret', 'MeshAnalysis', 'MeshNamespace', 'IstioRelease']));
    // Internal helpers stay out: the error class, validators, the analysis internals.
    expect(names.filter((name) => /ConfigurationError|ManifestSet|AnalysisInput|^Check$|validate|Dns1123/.test(name))).toEqual([]);
    expect(assembly.types['cdk8s-istio-lightstep.LightstepCaCertSecret'].properties.filter((p: any) => p.static).map((p: any) => p.name).sort())
      .toEqual(['KEY', 'NAME']);
  });

  test('API.md is what jsii-docgen writes for the current assembly (regenerate: npm run build && npm run docgen)', () => {
    run('jsii-docgen', ['-o', 'API.generated.md']);
    expect(fs.readFileSync(path.join(project, 'API.generated.md'), 'utf8')).toBe(fs.readFileSync(path.join(REPO, 'API.md'), 'utf8'));
  });

  test('jsii-pacmak generates the Python, Java, .NET and Go sources', () => {
    const out = path.join(project, 'pacmak');
    run('jsii-pacmak', ['--code-only', '--targets', 'python', 'java', 'dotnet', 'go', '--outdir', out]);
    const generated = (dir: string) => fs.readdirSync(path.join(out, dir), { recursive: true, encoding: 'utf8' });
    expect(generated('python')).toContain(path.join('src', 'cdk8s_istio_lightstep', '__init__.py'));
    expect(generated('java').some((file) => file.endsWith(path.join('lightstep', 'LightstepCaCertSecret.java')))).toBe(true);
    expect(generated('dotnet').some((file) => file.endsWith('LightstepCaCertSecret.cs'))).toBe(true);
    expect(generated('go').some((file) => file.endsWith('LightstepCaCertSecret.go'))).toBe(true);
  }, 60_000);
});
