/**
 * What the package ships and what installing the project runs: API.md is in the tarball (npm's own file list,
 * without building), and every dependency with an install script is decided in allowScripts, so that npm 11's
 * `npm ci` on a fresh clone has no "install scripts not yet covered by allowScripts" warning to print.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './support/run-app';

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));

test('npm pack ships API.md, README.md and LICENSE, and nothing of the repository\'s tests, output or tools', () => {
  const run = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: REPO_ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', npm_config_loglevel: 'error' },
  });
  expect(run.status).toBe(0);
  const files: string[] = JSON.parse(run.stdout)[0].files.map((file: { path: string }) => file.path);
  expect(files).toEqual(expect.arrayContaining(['API.md', 'README.md', 'LICENSE', 'package.json']));
  expect(files.filter((file) => /^(test|dist|examples|charts|scripts|bench|src)\//.test(file))).toEqual([]);
});

test('every dependency with an install script has a decision in allowScripts, read from the lockfile npm installs from', () => {
  const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8'));
  const withScripts = Object.entries<any>(lock.packages)
    .filter(([, entry]) => entry.hasInstallScript)
    .map(([location]) => location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length));
  expect(withScripts.length).toBeGreaterThan(0);
  const decided = Object.keys(pkg.allowScripts ?? {}).map((entry) => entry.replace(/(?<=.)@.*$/, ''));
  expect(withScripts.filter((name) => !decided.includes(name))).toEqual([]);
  // None is needed: esbuild and @parcel/watcher find their prebuilt binaries in their optional platform
  // packages, and backport's only checks for its own build. Each is denied, so no script of a dependency runs.
  expect(pkg.allowScripts).toEqual(Object.fromEntries(withScripts.sort().map((name) => [name, false])));
});
