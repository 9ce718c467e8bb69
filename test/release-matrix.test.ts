import * as fs from 'node:fs';
import { MATRIX_END, MATRIX_START, renderReleaseMatrix, withFreshMatrix } from '../scripts/release-matrix';
import { withFreshWalkthrough } from '../scripts/readme-walkthrough';

describe('the README release matrix', () => {
  const readme = fs.readFileSync('README.md', 'utf8');

  test('is the one the release table renders now', () => {
    const fresh = withFreshMatrix(readme);
    if (fresh !== readme) throw new Error('README.md: the release matrix is stale: run `npm run docs` and commit README.md');
  });

  test('has one row per minor release from 1.1 to the newest, with generation, data plane, install tool and hand steps', () => {
    const rows = renderReleaseMatrix().split('\n').filter((line) => /^\| 1\.\d+ \|/.test(line));
    expect(rows.map((row) => row.split(' | ')[0].slice(2))).toEqual(Array.from({ length: 30 }, (_, i) => `1.${i + 1}`));
    expect(rows.every((row) => row.split(' | ').length === 5)).toBe(true);
    expect(readme.indexOf(MATRIX_START)).toBeLessThan(readme.indexOf(MATRIX_END));
  });

  test('a stale section is detected', () => {
    const stale = readme.replace(/\| 1\.15 \| [^|]+\|/, '| 1.15 | none |');
    expect(withFreshMatrix(stale)).not.toBe(stale);
  });
});

describe('the README walkthrough of the original LightStep task', () => {
  test('holds the commands of the INSTALL.md its configuration synthesizes now', () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    if (withFreshWalkthrough(readme) !== readme) throw new Error('README.md: the Istio 1.1 walkthrough is stale: run `npm run docs` and commit README.md');
  });
});
