/**
 * The app run as users run it, as a process in a folder outside the repository, for a boundary release of every
 * generation; its output folder passes the same upstream checks as the in-repository runs, and a configuration
 * these rules refuse fails with the key, the value and the fix.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UpstreamRelease } from './support/istio-upstream';
import { AppRun, listFiles, REPO_ROOT, removeTempDirs, runAppAsync, tempDir } from './support/run-app';
import { readOutputFolder, releaseOfInstallNotes, upstreamProblems } from './support/upstream-checks';

const CA_FILE = fileURLToPath(new URL('./fixtures/certs/valid-ca.pem', import.meta.url));

interface OutsideRun { readonly dir: string; readonly run: AppRun }

/** Writes lightstep.yaml and the CA into a fresh folder outside the repository and runs the app there. */
async function runOutside(config: string): Promise<OutsideRun> {
  const dir = tempDir('cdk8s-istio-lightstep-outside-');
  fs.copyFileSync(CA_FILE, path.join(dir, 'satellite-ca.pem'));
  fs.writeFileSync(path.join(dir, 'lightstep.yaml'), config);
  const run = await runAppAsync({ LIGHTSTEP_CONFIG: 'lightstep.yaml', LIGHTSTEP_ACCESS_TOKEN: 'outside-test-token' }, dir);
  return { dir, run };
}

const config = (release: string, lightstep = '  caCertificateFile: satellite-ca.pem\n', bookinfo = '  ingress: istio-gateway\n') =>
  `istio:\n  release: "${release}"\nlightstep:\n  address: lightstep-satellite.lightstep:9292\n${lightstep}bookinfo:\n${bookinfo}`;

// One boundary release per generation: the last of the Helm values one, the first of mesh config (before the
// overlay fix), the last Zipkin one, and for OpenTelemetry a release newer than the newest known (checked against
// the newest verified one); and a refusal. Process runs are slow: the in-process suite covers every release.
const CASES: Record<string, string> = {
  '1.5.10': config('1.5.10'),
  '1.6.0': config('1.6.0'),
  '1.16.0': config('1.16.0'),
  '1.31': config('1.31', undefined, '  ingress: gateway-api\n'),
  'refused': config('1.9', '  secure: true\n'),
};
let runs: Record<string, OutsideRun>;

beforeAll(async () => {
  const entries = await Promise.all(Object.entries(CASES).map(async ([name, text]) => [name, await runOutside(text)] as const));
  runs = Object.fromEntries(entries);
}, 60_000);
afterAll(removeTempDirs);

test.each([['1.5.10', '1.5.10'], ['1.6.0', '1.6.0'], ['1.16.0', '1.16.0'], ['1.31', '1.30.3']])(
  'Istio %s from outside the repository passes the checks against the files of %s', (name, upstreamTag) => {
    const { dir, run } = runs[name];
    expect(path.relative(REPO_ROOT, dir).startsWith('..')).toBe(true);
    expect(run.status).toBe(0);
    const output = readOutputFolder(path.join(dir, 'dist'));
    expect(releaseOfInstallNotes(output.installNotes)).toBe(name);
    expect(upstreamProblems(output, UpstreamRelease.of(upstreamTag))).toEqual([]);
    for (const file of listFiles(path.join(dir, 'dist'))) expect(fs.readFileSync(path.join(dir, 'dist', file), 'utf8')).not.toContain('outside-test-token');
  });

test('a newer release than the newest known warns, naming the newest verified release', () => {
  expect(runs['1.31'].run.stderr).toMatch(/Istio 1\.31 is newer than the newest release this library was checked against \(1\.30\.3\)/);
  // LightstepTracing and Bookinfo both target it; the user reads the warning once.
  expect(runs['1.31'].run.stderr.match(/is newer than the newest release/g)).toHaveLength(1);
});

test('a configuration these rules refuse fails with the key, the value and the fix, and writes nothing', () => {
  const { dir, run } = runs.refused;
  expect(run.status).toBe(1);
  expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(
    /^Error: \S+: lightstep\.caCertificateFile: a CA certificate is required when secure is true: .*\(got nothing\)\. Fix: give the CA certificate .*lightstep\.caCertificateFile.*secure: false/)]);
  expect(listFiles(path.join(dir, 'dist'))).toEqual([]);
});
