/**
 * The app as a user's repository: the committed lightstep.yaml warns while it holds demo values, an edited
 * lightstep.yaml synthesizes as a process exactly as the drift test does in-process, and `cdk8s synth` (the
 * CLI, which empties its own output folder first) neither drops a file of the user's in dist/ nor streams
 * anything but manifests with --stdout.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import {
  capturingWarnings, emptyWorkspace, listFiles, readTree, removeTempDirs, REPO_ROOT, runApp, synthesizeInto, tempDir, writeConfig,
} from './support/run-app';

const EXAMPLE_CA = path.join(REPO_ROOT, 'examples', 'certs', 'example-ca.crt');
const OTHER_CA = path.join(REPO_ROOT, 'test', 'fixtures', 'certs', 'valid-ca.pem');

afterAll(removeTempDirs);

/** Warnings of one in-process synth of `config`, with `ca` copied beside it as my-ca.pem. */
function warningsFor(config: string, ca?: string): string[] {
  const workspace = emptyWorkspace();
  if (ca) fs.copyFileSync(ca, path.join(workspace.inputDir, 'my-ca.pem'));
  const configFile = writeConfig(workspace, config);
  return capturingWarnings(() => synthesizeInto(configFile, workspace.outputRoot)).warnings;
}

describe('demo values warn on every synth until replaced', () => {
  const release = 'istio:\n  release: "1.9"\n';

  test('lightstep.yaml as committed: the example CA and the placeholder address, each named with the file and its key', () => {
    // The demo values of the committed lightstep.yaml, which the user's own replace (so the file itself is not read here).
    const demo = `istio:\n  release: "1.30"\nlightstep:\n  address: lightstep-satellite.example:9292\n  caCertificateFile: ${EXAMPLE_CA}\n`;
    const workspace = emptyWorkspace();
    const configFile = writeConfig(workspace, demo, 'lightstep.yaml');
    const cwd = process.cwd();
    process.chdir(workspace.inputDir);
    let warnings: string[];
    try {
      ({ warnings } = capturingWarnings(() => synthesizeInto('lightstep.yaml', workspace.outputRoot)));
    } finally {
      process.chdir(cwd);
    }
    expect(configFile).toBe(path.join(workspace.inputDir, 'lightstep.yaml'));
    expect(warnings).toEqual([
      expect.stringMatching(/^Warning: lightstep\.yaml: lightstep\.caCertificateFile \(\S*examples\/certs\/example-ca\.crt\) is the repository's example CA/),
      expect.stringMatching(/^Warning: lightstep\.yaml: lightstep\.address "lightstep-satellite\.example:9292" is a placeholder/),
    ]);
  });

  test('the example CA is recognized by its certificate, under any file name', () => {
    const warnings = warningsFor(`${release}lightstep:\n  address: satellite.lightstep:9292\n  caCertificateFile: my-ca.pem\n`, EXAMPLE_CA);
    expect(warnings).toEqual([expect.stringMatching(/lightstep\.caCertificateFile .*my-ca\.pem\) is the repository's example CA/)]);
  });

  test.each(['satellite.example.com:9292', 'ls.example:443', 'satellites.test:8443', 'x.invalid:1'])('address %s is a placeholder', (address) => {
    expect(warningsFor(`istio:\n  release: "1.30"\nlightstep:\n  address: ${address}\n`)).toEqual([expect.stringMatching(/is a placeholder under a domain reserved/)]);
  });

  test('the user\'s own CA and address: no warning', () => {
    expect(warningsFor(`${release}lightstep:\n  address: lightstep-satellite.lightstep:9292\n  caCertificateFile: my-ca.pem\n`, OTHER_CA)).toEqual([]);
  });
});

describe('lightstep.yaml edited by the user', () => {
  test('another release and namespace, with a CA of the user\'s next to it: the process writes what the drift test synthesizes', () => {
    const repo = tempDir();
    fs.mkdirSync(path.join(repo, 'certs'));
    fs.copyFileSync(OTHER_CA, path.join(repo, 'certs', 'satellites-ca.crt'));
    fs.writeFileSync(path.join(repo, 'lightstep.yaml'), [
      'istio:', '  release: "1.9.3"', 'lightstep:', '  address: lightstep-satellite.lightstep:9292', '  caCertificateFile: certs/satellites-ca.crt',
      'bookinfo:', '  namespace: shop', '',
    ].join('\n'));
    const run = runApp({}, repo);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout.split('\n')[0]).toBe('Synthesized Istio 1.9.3 LightStep tracing from lightstep.yaml into dist/:');
    const inProcess = path.join(tempDir(), 'dist');
    const cwd = process.cwd();
    process.chdir(repo);
    try {
      synthesizeInto('lightstep.yaml', inProcess);
    } finally {
      process.chdir(cwd);
    }
    expect(readTree(path.join(repo, 'dist'))).toEqual(readTree(inProcess));
    expect(fs.readFileSync(path.join(repo, 'dist', 'manifests', '0000-namespaces.k8s.yaml'), 'utf8')).toContain('name: shop');
  });
});

describe('cdk8s synth (the CLI) through cdk8s.yaml', () => {
  /** A copy of the repository's app files in a temporary folder, as a user's clone. */
  function clone(): string {
    const repo = tempDir();
    fs.copyFileSync(path.join(REPO_ROOT, 'cdk8s.yaml'), path.join(repo, 'cdk8s.yaml'));
    fs.writeFileSync(path.join(repo, 'lightstep.yaml'), 'lightstep:\n  address: lightstep-satellite.lightstep:9292\n  caCertificateFile: examples/certs/example-ca.crt\n');
    fs.symlinkSync(path.join(REPO_ROOT, 'scripts'), path.join(repo, 'scripts'));
    fs.mkdirSync(path.join(repo, 'examples', 'certs'), { recursive: true });
    fs.copyFileSync(EXAMPLE_CA, path.join(repo, 'examples', 'certs', 'example-ca.crt'));
    return repo;
  }

  function cli(repo: string, ...args: string[]) {
    // --no-check-upgrade: the CLI would otherwise ask the registry for a newer version of itself.
    return spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), 'synth', '--no-check-upgrade', ...args], {
      cwd: repo, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: repo, TMPDIR: process.env.TMPDIR ?? '' }, timeout: 60_000,
    });
  }

  test('a file of the user\'s in dist/manifests survives: the synth is refused and names it', () => {
    const repo = clone();
    const custom = path.join(repo, 'dist', 'manifests', 'custom.yaml');
    fs.mkdirSync(path.dirname(custom), { recursive: true });
    fs.writeFileSync(custom, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mine\n');
    const run = cli(repo);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Error: dist/manifests/custom.yaml: not written by cdk8s-istio-lightstep');
    expect(listFiles(path.join(repo, 'dist'))).toEqual(['manifests/custom.yaml']);
  });

  test.each([[[]], [['--stdout']]])('bad input (synth %p): the app\'s message and the CLI\'s one line, exit code 1, no stack trace, nothing written', (args) => {
    const repo = clone();
    fs.writeFileSync(path.join(repo, 'lightstep.yaml'), 'lightstep:\n  address: satellite.lightstep:65536\ntracing:\n  sampling: 150\n');
    const run = cli(repo, ...args);
    expect({ status: run.status, stdout: args.length ? run.stdout : '' }).toEqual({ status: 1, stdout: '' });
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('Error: lightstep.yaml: 2 problems:');
    expect(lines.slice(1, 3)).toEqual([expect.stringMatching(/^  - lightstep\.address: port "65536" .*Fix: /), expect.stringMatching(/^  - tracing\.sampling: .*\(got 150\)\. Fix: /)]);
    expect(lines.slice(3)).toEqual([expect.stringMatching(/^ERROR: synthesis failed, app expected to create "/)]);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(listFiles(repo).filter((file) => file.startsWith('dist/') || file.startsWith('build/'))).toEqual([]);
  });

  test('--stdout streams the manifests and nothing else, and dist/ gets the whole output', () => {
    const repo = clone();
    const run = cli(repo, '--stdout');
    expect(run.status).toBe(0);
    const streamed = yaml.loadAll(run.stdout).filter((doc) => doc !== null) as any[];
    const written = [...readTree(path.join(repo, 'dist', 'manifests'))].filter(([file]) => file.endsWith('.yaml'))
      .flatMap(([, bytes]) => yaml.loadAll(bytes.toString('utf8')).filter((doc) => doc !== null));
    expect(streamed.length).toBeGreaterThan(10);
    expect(streamed).toEqual(written);
    expect(listFiles(path.join(repo, 'dist'))).toEqual(expect.arrayContaining(['INSTALL.md', 'istio/istio-operator.yaml']));
    expect(run.stderr).toMatch(/^Synthesized Istio 1\.30\.3 LightStep tracing from lightstep\.yaml into dist\/:$/m);
  });
});

describe('the license', () => {
  test('LICENSE holds the Apache License 2.0 that package.json names', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(pkg.license).toBe('Apache-2.0');
    const text = fs.readFileSync(path.join(REPO_ROOT, 'LICENSE'), 'utf8');
    expect(text.split('\n').slice(0, 4).map((line) => line.trim())).toEqual(['', 'Apache License', 'Version 2.0, January 2004', 'http://www.apache.org/licenses/']);
    // Byte for byte the text cdk8s ships under the same license.
    expect(text).toBe(fs.readFileSync(path.join(REPO_ROOT, 'node_modules', 'cdk8s', 'LICENSE'), 'utf8'));
  });
});

describe('the access token Secret in INSTALL.md, per generation', () => {
  /** INSTALL.md of a synth of `config` (Istio `release`, the token from `token`). */
  function notes(release: string, token: string): string {
    const workspace = emptyWorkspace();
    fs.copyFileSync(OTHER_CA, path.join(workspace.inputDir, 'my-ca.pem'));
    const configFile = writeConfig(workspace,
      `istio:\n  release: "${release}"\nlightstep:\n  address: lightstep-satellite.lightstep:9292\n  caCertificateFile: my-ca.pem\n${token}`);
    capturingWarnings(() => synthesizeInto(configFile, workspace.outputRoot));
    return fs.readFileSync(path.join(workspace.outputRoot, 'INSTALL.md'), 'utf8');
  }
  const cleanup = (text: string) => text.slice(text.indexOf('Clean up'));
  const secret = '  accessTokenSecret: {name: ls-token}\n';

  test('Istio 1.9, accessTokenSecret: read from the Istio namespace at install time; clean-up keeps that namespace and says why', () => {
    const text = notes('1.9', secret);
    expect(text).toContain('your Secret `ls-token` (key `access_token`) in the Istio namespace `istio-system` when the install command of step 2 runs');
    expect(text).toContain('kubectl -n istio-system get secret ls-token');
    expect(cleanup(text)).not.toMatch(/^kubectl delete namespace istio-system/m);
    expect(cleanup(text)).toContain('# istio-system is kept: it holds your Secret ls-token.');
  });

  test('Istio 1.30, accessTokenSecret: read by the collector from its namespace; clean-up keeps that namespace and says why', () => {
    const text = notes('1.30', secret);
    expect(text).toContain('your Secret `ls-token` (key `access_token`) in the collector namespace `observability`: the collector mounts it from there');
    expect(cleanup(text)).not.toMatch(/^kubectl delete namespace observability/m);
    expect(cleanup(text)).toContain('# observability is kept: it holds your Secret ls-token.');
    expect(cleanup(text)).toContain('kubectl delete namespace istio-system --ignore-not-found');
  });

  test('Istio 1.30, token from the shell: step 2 makes the Secret, and clean-up says it goes with the collector namespace', () => {
    const text = notes('1.30', '  accessTokenEnv: LIGHTSTEP_ACCESS_TOKEN\n');
    expect(text).toMatch(/kubectl -n observability create secret generic lightstep-access-token/);
    expect(cleanup(text)).toContain('kubectl delete namespace observability --ignore-not-found   # with it the access token Secret that step 2 created');
  });
});

/** The app run as a process in a repository of its own whose lightstep.yaml is `config`, and the warnings it printed. */
function runWithConfig(config: string): { run: ReturnType<typeof runApp>; repo: string; warnings: string[] } {
  const repo = tempDir();
  fs.writeFileSync(path.join(repo, 'lightstep.yaml'), config);
  const run = runApp({}, repo);
  return { run, repo, warnings: run.stderr.split('\n').filter((line) => line.startsWith('Warning: ')) };
}

describe('warnings', () => {
  test('name the file and the configuration key, never a construct prop, once each', () => {
    const { run, warnings } = runWithConfig('istio:\n  release: "1.31"\nlightstep:\n  address: ingest.lightstep.com:443\ntracing:\n  sampling: 50\n');
    expect(run.status).toBe(0);
    expect(warnings).toEqual([
      expect.stringMatching(/^Warning: lightstep\.yaml: istio\.release: Istio 1\.31 is newer than the newest release/),
      expect.stringMatching(/^Warning: lightstep\.yaml: tracing\.sampling is 50%/),
    ]);
    expect(run.stderr).not.toMatch(/\b(LightstepTracing|Bookinfo|OtelCollector)\.\w/);
  });
});

describe('release strings in the configuration file', () => {
  test('a patch newer than the newest known patch of its line warns once, naming that patch; the summary names the release', () => {
    const { run, warnings } = runWithConfig('istio:\n  release: "1.9.99"\nlightstep:\n  address: lightstep-satellite.lightstep:9292\n  secure: false\n');
    expect(run.status).toBe(0);
    expect(warnings).toEqual([
      expect.stringMatching(/^Warning: lightstep\.yaml: istio\.release: Istio 1\.9\.99 is newer than the newest 1\.9 patch this library knows \(1\.9\.9\): .*target 1\.9\.9$/),
    ]);
    expect(run.stdout.split('\n')[0]).toBe('Synthesized Istio 1.9.99 LightStep tracing from lightstep.yaml into dist/:');
  });

  test('"v1.9.3" is refused, naming the key and the text to write', () => {
    const { run, repo } = runWithConfig('istio:\n  release: "v1.9.3"\nlightstep:\n  address: lightstep-satellite.lightstep:9292\n  secure: false\n');
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 1, stdout: '' });
    expect(run.stderr).toMatch(/^Error: lightstep\.yaml: istio\.release: not an Istio release as Istio writes it: Istio names its releases without a leading "v" .*\(got "v1\.9\.3"\)\. Fix: write "1\.9\.3"\n$/);
    expect(fs.existsSync(path.join(repo, 'dist'))).toBe(false);
  });
});

describe('README', () => {
  test('the error shown under "Your own configuration" is what the app prints for that file', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const shown = /```\n(Error: lightstep\.yaml: [^`]*)```/.exec(readme)?.[1];
    expect(shown).toBeDefined();
    const repo = tempDir();
    fs.writeFileSync(path.join(repo, 'lightstep.yaml'), 'lightstep:\n  adress: lightstep-satellite.lightstep:9292\ntracing:\n  sampling: 150\n');
    const run = runApp({}, repo);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 1, stderr: shown });
  });
});
