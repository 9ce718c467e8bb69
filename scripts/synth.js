#!/usr/bin/env node
/**
 * Runs the cdk8s app (charts/main.ts) as compiled JavaScript, for `npm run synth` and `cdk8s synth`.
 *
 * Transpiling TypeScript on every run costs more than the synth itself, so the app is compiled once with
 * tsc into build/app/<hash>/, where <hash> covers every source file of src/, charts/ and imports/, the
 * compiler options and the TypeScript version. A changed source gives a new hash and a fresh compile, so the
 * output that runs is never stale. Plain JavaScript on purpose: it must run before anything is compiled.
 *
 * Under `cdk8s synth`, which names its output folder in CDK8S_OUTDIR, a failure (exit code 1: bad input, a
 * refused output, sources that do not compile) is handed to the CLI by leaving that folder absent and exiting 0:
 * the CLI then prints one line after the app's message ("synthesis failed, app expected to create ...") and exits
 * 1 itself. A non-zero exit of the app would instead make it print a stack trace of its own below the message.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..');
const SOURCE_DIRS = ['src', 'charts', 'imports'];
const BUILD_DIR = path.join(REPO, 'build', 'app');
const ENTRY = path.join('charts', 'main.js');
/** Kept apart from tsconfig.json, which builds the library into lib/: the app build never touches lib/. */
const COMPILER_OPTIONS = [
  '--target', 'ES2022', '--module', 'commonjs', '--moduleResolution', 'node', '--lib', 'ES2022', '--types', 'node',
  '--strict', '--esModuleInterop', '--skipLibCheck', '--isolatedModules', '--rootDir', '.',
];

/** Every .ts file below the source folders, as sorted repository-relative paths. */
function sourceFiles() {
  const files = [];
  const walk = (relative) => {
    for (const entry of fs.readdirSync(path.join(REPO, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.ts')) files.push(child);
    }
  };
  for (const dir of SOURCE_DIRS) if (fs.existsSync(path.join(REPO, dir))) walk(dir);
  return files.sort();
}

function sourceHash(files) {
  const hash = crypto.createHash('sha256');
  hash.update(`${require('typescript/package.json').version}\0${COMPILER_OPTIONS.join(' ')}\0`);
  for (const file of files) hash.update(`${file}\0`).update(fs.readFileSync(path.join(REPO, file))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** Compiles into a private folder, then renames it into place, so that concurrent runs never see half a build. */
function compile(files, target) {
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  const staging = fs.mkdtempSync(path.join(BUILD_DIR, '.compiling-'));
  try {
    const tsc = require.resolve('typescript/bin/tsc');
    const result = spawnSync(process.execPath, [tsc, ...COMPILER_OPTIONS, '--outDir', staging, ...files.filter((f) => !f.endsWith('.d.ts'))],
      { cwd: REPO, encoding: 'utf8' });
    if (result.status !== 0) {
      process.stderr.write(`Error: the app's TypeScript sources do not compile; nothing was synthesized.\n${result.stdout}${result.stderr}`);
      process.exit(1);
    }
    try {
      fs.renameSync(staging, target);
    } catch (error) {
      // Another run compiled the same sources first: its build is identical.
      if (!fs.existsSync(path.join(target, ENTRY))) throw error;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  // Builds of older sources are never run again.
  for (const name of fs.readdirSync(BUILD_DIR)) {
    if (name !== path.basename(target) && !name.startsWith('.')) fs.rmSync(path.join(BUILD_DIR, name), { recursive: true, force: true });
  }
}

/** The entry point of a build of the current sources, compiled first when there is none. */
function freshEntry() {
  const files = sourceFiles();
  const target = path.join(BUILD_DIR, sourceHash(files));
  if (!fs.existsSync(path.join(target, ENTRY))) compile(files, target);
  return path.join(target, ENTRY);
}

/** Reports a failed run to the cdk8s CLI as described above; any other exit code, and any run without the CLI, stays as it is. */
function handFailureToCli(outdir) {
  process.on('exit', (code) => {
    if (code !== 1) return;
    try {
      fs.rmdirSync(outdir);
    } catch (error) {
      // A folder with files in it stays, and so does the exit code: the CLI must not take it for output.
      if (error.code !== 'ENOENT') return;
    }
    process.exitCode = 0;
  });
}

if (require.main === module) {
  if (process.env.CDK8S_OUTDIR) handFailureToCli(process.env.CDK8S_OUTDIR);
  require(freshEntry());
} else {
  module.exports = { freshEntry };
}
