import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { docComments, firstSentence, summaryRows } from './support/doc-summaries';

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
  // The repository's packages, and this package under its own name, as a user's project resolves it: the doc
  // comments' examples import it by name.
  fs.mkdirSync(path.join(project, 'node_modules'));
  for (const entry of fs.readdirSync(path.join(REPO, 'node_modules'))) {
    fs.symlinkSync(path.join(REPO, 'node_modules', entry), path.join(project, 'node_modules', entry));
  }
  fs.symlinkSync(project, path.join(project, 'node_modules', 'cdk8s-istio-lightstep'), 'dir');
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
      .toEqual(['KEY', 'MOUNT_PATH', 'NAME', 'VOLUME_NAME']);
  });

  test('API.md is what jsii-docgen writes for the current assembly (regenerate: npm run build && npm run docgen)', () => {
    run('jsii-docgen', ['-o', 'API.generated.md']);
    expect(fs.readFileSync(path.join(project, 'API.generated.md'), 'utf8')).toBe(fs.readFileSync(path.join(REPO, 'API.md'), 'utf8'));
  });

  test('every summary in API.md\'s tables is the full first sentence of its doc comment, never cut at a ";" or "e.g."', () => {
    run('jsii-docgen', ['-o', 'API.summaries.md']);
    const rows = summaryRows(fs.readFileSync(path.join(project, 'API.summaries.md'), 'utf8'), 'cdk8s-istio-lightstep');
    const commentOf = docComments(path.join(REPO, 'src', 'index.ts'));
    const documented = rows.flatMap((row) => {
      const comment = commentOf(row.symbol);
      return comment === undefined ? [] : [{ symbol: row.symbol, summary: row.summary, firstSentence: firstSentence(comment) }];
    });
    expect(documented.length).toBeGreaterThan(200);
    expect(documented.filter((row) => row.summary !== row.firstSentence)).toEqual([]);
  });

  test('the doc comments name no TypeScript call, which other languages spell otherwise: code goes into @example blocks', () => {
    const assembly = JSON.parse(fs.readFileSync(path.join(project, '.jsii'), 'utf8'));
    const calls: string[] = [];
    const check = (where: string, docs: Record<string, unknown> | undefined) => {
      for (const [field, text] of Object.entries(docs ?? {})) {
        if (field === 'example' || typeof text !== 'string') continue;
        for (const call of text.match(/\b\w+\([^)]*\)/g) ?? []) calls.push(`${where} (${field}): ${call}`);
      }
    };
    for (const [fqn, type] of Object.entries<any>(assembly.types)) {
      check(fqn, type.docs);
      for (const member of [...(type.properties ?? []), ...(type.methods ?? []), ...(type.members ?? []), ...(type.initializer ? [type.initializer] : [])]) {
        check(`${fqn}.${member.name ?? 'initializer'}`, member.docs);
        for (const parameter of member.parameters ?? []) check(`${fqn}.${member.name ?? 'initializer'}(${parameter.name})`, parameter.docs);
      }
    }
    expect(calls).toEqual([]);
  });

  test('every @example of the doc comments compiles with jsii-rosetta and translates to Python, Java, C# and Go', () => {
    run('jsii-rosetta', ['extract', '--compile']);
    const tablet = JSON.parse(fs.readFileSync(path.join(project, '.jsii.tabl.json'), 'utf8'));
    // The README is the TypeScript project's own page (its example reads process.env); the doc comments are every language's.
    const examples = Object.values<any>(tablet.snippets).filter((snippet) => snippet.location.api.api !== 'moduleReadme');
    expect(examples.length).toBeGreaterThan(0);
    expect(examples.map((snippet) => ({ where: snippet.location.api.fqn, compiled: snippet.didCompile, languages: Object.keys(snippet.translations).sort() })))
      .toEqual(examples.map((snippet) => ({ where: snippet.location.api.fqn, compiled: true, languages: ['$', 'csharp', 'go', 'java', 'python'] })));
  }, 60_000);

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
