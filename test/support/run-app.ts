/**
 * Runs the app the way users do, in-process through `synthesize()` or as a real process, against temporary
 * folders, and reads back everything it wrote.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Testing } from 'cdk8s';
import { GENERATED_MARKER, synthesize, SynthesisResult } from '../../charts/synthesize';

/** Tests run from the repository root. */
export const REPO_ROOT = process.cwd();

/** The example configuration files, relative to the repository root, sorted. */
export const EXAMPLE_CONFIGS: string[] = fs.readdirSync(path.join(REPO_ROOT, 'examples'))
  .filter((file) => file.endsWith('.yaml'))
  .sort()
  .map((file) => `examples/${file}`);

/** The repository's configuration, which dist/ is synthesized from. */
export const REPOSITORY_CONFIG = 'lightstep.yaml';

/** The repository's configuration followed by every example. */
export const ALL_CONFIGS: string[] = [REPOSITORY_CONFIG, ...EXAMPLE_CONFIGS];

const tempDirs: string[] = [];

/** A fresh folder under the system temp folder, removed by `removeTempDirs`. */
export function tempDir(prefix = 'cdk8s-istio-lightstep-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/**
 * A cdk8s App for tests that build constructs without synthesizing them: Testing.app() makes an output folder in the
 * temporary folder, which `removeTempDirs` removes with the others.
 */
export function testApp(): App {
  const app = Testing.app();
  tempDirs.push(app.outdir);
  return app;
}

/** Removes every folder made by `tempDir` or `testApp`; call it from afterAll. */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Every file below `dir`, hidden ones included, as sorted '/'-separated relative paths. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else files.push(child);
    }
  };
  walk('');
  return files.sort();
}

/** Every file below `dir` with its bytes, keyed by relative path. */
export function readTree(dir: string): Map<string, Buffer> {
  return new Map(listFiles(dir).map((file) => [file, fs.readFileSync(path.join(dir, file))]));
}

/** Every file below `dir` as UTF-8 text, keyed by relative path. */
export function readTextTree(dir: string): Record<string, string> {
  return Object.fromEntries([...readTree(dir)].map(([file, bytes]) => [file, bytes.toString('utf8')]));
}

/** Entries directly in `dir` whose names show an interrupted staged write. */
export function stagingLeftovers(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.startsWith('.staging-')) : [];
}

/** Output of an earlier, successful synth (files marked as the app's): what a failed synth must leave exactly as it was. */
export const PREVIOUS_OUTPUT: Readonly<Record<string, string>> = {
  'INSTALL.md': `# Install notes of an earlier synth\n\n${GENERATED_MARKER}; kept byte for byte when a later synth fails\n`,
  'istio/istio-operator.yaml': `# ${GENERATED_MARKER}: earlier install input\napiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\n`,
  'manifests/old.k8s.yaml': `---\n# ${GENERATED_MARKER}\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: earlier\n`,
};

/** A workspace for one synth: a folder for configuration and certificate files, and an output root. */
export interface Workspace {
  /** Holds the configuration file and anything it names. */
  readonly inputDir: string;
  /** The parent of the manifests folder: receives manifests/, istio/ and INSTALL.md. */
  readonly outputRoot: string;
  /** The manifests folder (cdk8s `output`). */
  readonly manifestsDir: string;
}

/** A workspace whose output root already holds PREVIOUS_OUTPUT. */
export function workspaceWithPreviousOutput(): Workspace {
  const dir = tempDir();
  const workspace = { inputDir: path.join(dir, 'input'), outputRoot: path.join(dir, 'dist'), manifestsDir: path.join(dir, 'dist', 'manifests') };
  fs.mkdirSync(workspace.inputDir);
  for (const [file, text] of Object.entries(PREVIOUS_OUTPUT)) {
    fs.mkdirSync(path.dirname(path.join(workspace.outputRoot, file)), { recursive: true });
    fs.writeFileSync(path.join(workspace.outputRoot, file), text);
  }
  return workspace;
}

/** An empty workspace. */
export function emptyWorkspace(): Workspace {
  const dir = tempDir();
  const workspace = { inputDir: path.join(dir, 'input'), outputRoot: path.join(dir, 'dist'), manifestsDir: path.join(dir, 'dist', 'manifests') };
  fs.mkdirSync(workspace.inputDir);
  return workspace;
}

/** Writes a configuration file into the workspace and returns its path. */
export function writeConfig(workspace: Workspace, text: string, name = 'lightstep.yaml'): string {
  const file = path.join(workspace.inputDir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** Fails unless the output root holds exactly PREVIOUS_OUTPUT, byte for byte, and no staging folder. */
export function expectPreviousOutputUntouched(workspace: Workspace): void {
  const expected = new Map(Object.entries(PREVIOUS_OUTPUT).map(([file, text]) => [file, Buffer.from(text)]));
  expect(readTree(workspace.outputRoot)).toEqual(expected);
  expect(stagingLeftovers(workspace.outputRoot)).toEqual([]);
}

/** Synthesizes a configuration file into `outputRoot`/manifests, in-process. */
export function synthesizeInto(configFile: string, outputRoot: string): SynthesisResult {
  return synthesize({ configFile, manifestsDir: path.join(outputRoot, 'manifests') });
}

/** Runs `fn` with console.warn captured; returns what it printed and what `fn` returned. */
export function capturingWarnings<T>(fn: () => T): { result: T; warnings: string[] } {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => { warnings.push(args.map(String).join(' ')); };
  try {
    return { result: fn(), warnings };
  } finally {
    console.warn = original;
  }
}

/** What a process run of the app returned. */
export interface AppRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The command line and environment of `tsx charts/main.ts`, as `npm run synth` runs it, with a clean environment plus `env`. */
function appCommand(env: Record<string, string>, args: readonly string[] = []): { args: string[]; env: NodeJS.ProcessEnv } {
  return {
    args: [path.join(REPO_ROOT, 'scripts', 'synth.js'), ...args],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: os.tmpdir(), ...env },
  };
}

/**
 * Runs `node scripts/synth.js ARGS`, as `npm run synth -- ARGS` does, with a clean environment plus `env`.
 * npm itself is left out: it would add its own lines to stderr.
 */
export function runApp(env: Record<string, string>, cwd: string = REPO_ROOT, args: readonly string[] = []): AppRun {
  const command = appCommand(env, args);
  const result = spawnSync(process.execPath, command.args, { cwd, encoding: 'utf8', env: command.env, timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `runApp` without blocking, so that several runs share the wait. */
export function runAppAsync(env: Record<string, string>, cwd: string = REPO_ROOT): Promise<AppRun> {
  const command = appCommand(env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command.args, { cwd, env: command.env, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
