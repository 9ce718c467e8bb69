/**
 * The README's library example (examples/readme/your-own-app.ts) run by the real cdk8s CLI, as a user's project
 * runs it with the README's cdk8s.yaml: `cdk8s synth` writes dist/ as a direct run does, and `--stdout` streams
 * exactly the manifests.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { listFiles, removeTempDirs, REPO_ROOT, tempDir } from './support/run-app';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'readme', 'your-own-app.ts');
const CDK8S_YAML = path.join(REPO_ROOT, 'examples', 'library-app', 'cdk8s.yaml');
const TSX = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

afterAll(removeTempDirs);

/**
 * A user's project: the README's cdk8s.yaml, with `npx tsx main.ts` pointed at the example, which imports the
 * library by its package name (a tsconfig path to src/ here, the installed package there), and the CA it reads.
 */
function project(example: string = EXAMPLE): string {
  const folder = tempDir();
  fs.mkdirSync(path.join(folder, 'certs'));
  fs.copyFileSync(path.join(REPO_ROOT, 'examples', 'certs', 'example-ca.crt'), path.join(folder, 'certs', 'Cert_Auth.crt'));
  const config = yaml.load(fs.readFileSync(CDK8S_YAML, 'utf8')) as Record<string, string>;
  expect(config.app).toBe('npx tsx main.ts');
  fs.writeFileSync(path.join(folder, 'cdk8s.yaml'), yaml.dump({ ...config, app: `"${process.execPath}" "${TSX}" "${example}"` }));
  fs.writeFileSync(path.join(folder, 'tsconfig.json'), JSON.stringify({ compilerOptions: { paths: { 'cdk8s-istio-lightstep': [path.join(REPO_ROOT, 'src', 'index.ts')] } } }));
  return folder;
}

function run(folder: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), ...args], {
    cwd: folder, encoding: 'utf8', timeout: 120_000,
    // NODE_PATH: a copy of the example outside the repository finds cdk8s where the project's would.
    env: { PATH: process.env.PATH ?? '', HOME: folder, TMPDIR: process.env.TMPDIR ?? '', CDK8S_CHECK_UPGRADE: 'false', NODE_PATH: path.join(REPO_ROOT, 'node_modules') },
  });
  if (result.error) throw result.error;
  return result;
}

const objectsIn = (text: string) => (yaml.loadAll(text) as unknown[]).filter((doc) => doc !== null && doc !== undefined);
const manifestsOf = (folder: string) => fs.readdirSync(folder).filter((file) => file.endsWith('.yaml')).sort()
  .flatMap((file) => objectsIn(fs.readFileSync(path.join(folder, file), 'utf8')));

describe('the README\'s library example under the cdk8s CLI', () => {
  test('the README shows the cdk8s.yaml used here, verbatim', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const shown = /<!-- example: examples\/library-app\/cdk8s\.yaml[^\n]*-->\n```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(shown).toBe(fs.readFileSync(CDK8S_YAML, 'utf8'));
  });

  test('cdk8s synth: the manifests and their Kustomization in dist/manifests, the guide in dist/', () => {
    const folder = project();
    const result = run(folder, 'synth', '--no-check-upgrade');
    expect({ status: result.status, stderr: result.stderr.split('\n').filter((line) => !line.startsWith('Warning: ')).join('\n') }).toEqual({ status: 0, stderr: '' });
    expect(listFiles(path.join(folder, 'dist'))).toEqual([
      'INSTALL.md', 'istio/istio-operator.yaml', 'istio/istiod-helm-values.yaml', 'manifests/Kustomization', 'manifests/platform.k8s.yaml', 'verify.sh',
    ]);
    expect(fs.readFileSync(path.join(folder, 'dist', 'INSTALL.md'), 'utf8')).toContain('kubectl apply -f manifests/');
  });

  test('cdk8s synth --stdout streams exactly the manifests a direct run writes, and exits 0', () => {
    const direct = project();
    const directRun = spawnSync(process.execPath, [TSX, EXAMPLE], { cwd: direct, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', TMPDIR: process.env.TMPDIR ?? '' } });
    expect(directRun.status).toBe(0);
    const written = manifestsOf(path.join(direct, 'dist', 'manifests'));

    const result = run(project(), 'synth', '--no-check-upgrade', '--stdout');
    expect(result.status).toBe(0);
    expect(result.stderr).not.toContain('No manifests synthesized');
    expect(written.length).toBeGreaterThan(20);
    expect(objectsIn(result.stdout)).toEqual(written);
  });

  test('the pattern it replaces, an App with a fixed outdir, streams nothing under --stdout', () => {
    const fixed = path.join(tempDir(), 'your-own-app.ts');
    const text = fs.readFileSync(EXAMPLE, 'utf8');
    expect(text).toContain('process.env.CDK8S_OUTDIR ?? \'dist/manifests\'');
    fs.writeFileSync(fixed, text.replace('process.env.CDK8S_OUTDIR ?? \'dist/manifests\'', '\'dist/manifests\''));
    const result = run(project(fixed), 'synth', '--no-check-upgrade', '--stdout');
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: '' });
    expect(result.stderr).toContain('No manifests synthesized');
  });
});
