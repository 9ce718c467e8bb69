/**
 * `npm run bench`: synth time of the repository's lightstep.yaml as a process (`npm run synth`, `npx cdk8s
 * synth`) against a plain JavaScript cdk8s app emitting the same objects, in-process, and scaling with the
 * number of application namespaces, with peak memory. Prints to stdout only; everything it writes goes to a
 * temporary folder.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { baselineApp, defaultApp, defaultCharts, defaultObjects, EXAMPLE_CA_FILE, SCALING_RELEASE } from './scenarios';

const REPO = path.resolve(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SCALES = (process.env.BENCH_SCALES ?? '10,100,1000').split(',').map(Number);

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms`;
const row = (label: string, ...cells: string[]) => console.log(`  ${label.padEnd(44)}${cells.map((c) => c.padStart(12)).join('')}`);

function machine(): void {
  const cpus = os.cpus();
  console.log('Machine');
  console.log(`  CPU      ${cpus[0]?.model ?? 'unknown'} x ${cpus.length} (${os.availableParallelism()} usable)`);
  console.log(`  memory   ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`);
  console.log(`  node     ${process.version} on ${os.type()} ${os.release()} ${os.arch()}`);
  console.log(`  cdk8s    ${require('cdk8s/package.json').version}, constructs ${require('constructs/package.json').version}`);
  console.log(`  runs     median of ${RUNS} (BENCH_RUNS); scaling N = ${SCALES.join(', ')} (BENCH_SCALES)`);
}

function inProcess(): void {
  const objects = defaultObjects();
  const library = () => defaultApp().synthYaml();
  const plain = () => baselineApp(objects).synthYaml();
  // Both are warmed up the same way, then interleaved, so JIT state and GC pressure are shared.
  for (let i = 0; i < 20; i++) { library(); plain(); }
  const samples = (fn: () => unknown, into: number[]) => { const start = performance.now(); fn(); into.push(performance.now() - start); };
  const libraryTimes: number[] = [];
  const plainTimes: number[] = [];
  for (let i = 0; i < Math.max(RUNS, 5) * 10; i++) { samples(library, libraryTimes); samples(plain, plainTimes); }
  console.log(`\nlightstep.yaml in-process, for information (build App + charts + synthYaml, ${objects.length} objects, warm, median of ${libraryTimes.length})`);
  row('library (3 charts, config, CA parse, analysis)', ms(median(libraryTimes)));
  row('plain ApiObjects, same objects, one chart', ms(median(plainTimes)));
  row('ratio library / plain', `${(median(libraryTimes) / median(plainTimes)).toFixed(2)}x`);
}

interface Measured { wallMs: number; maxRssMb?: number }

function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string = REPO): Measured {
  const timeBinary = fs.existsSync('/usr/bin/time');
  const start = performance.now();
  const result = timeBinary
    ? spawnSync('/usr/bin/time', ['-f', 'MAXRSS_KB=%M', command, ...args], { cwd, env, encoding: 'utf8' })
    : spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  const wallMs = performance.now() - start;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  const rss = /MAXRSS_KB=(\d+)/.exec(result.stderr ?? '');
  return { wallMs, maxRssMb: rss ? Number(rss[1]) / 1024 : undefined };
}

function compile(outDir: string): number {
  const config = path.join(outDir, 'tsconfig.json');
  fs.writeFileSync(config, JSON.stringify({
    extends: path.join(REPO, 'tsconfig.json'),
    compilerOptions: { outDir: path.join(outDir, 'out'), rootDir: REPO, declaration: false, typeRoots: [path.join(REPO, 'node_modules/@types')], types: ['node'] },
    include: ['src', 'imports', 'charts', 'bench'].map((dir) => path.join(REPO, dir, '**/*.ts')),
  }));
  const start = performance.now();
  const result = spawnSync(path.join(REPO, 'node_modules/.bin/tsc'), ['-p', config], { cwd: REPO, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tsc failed:\n${result.stdout}${result.stderr}`);
  return performance.now() - start;
}

/**
 * A plain JavaScript cdk8s app that emits the same objects into the same files, with nothing computed: the
 * baseline of the process ratios. It lives in its own folder with a package.json script `synth` and a
 * cdk8s.yaml, like the repository, so that `npm run synth` and `npx cdk8s synth` run it the same way.
 */
function plainProject(tmp: string): string {
  const dir = path.join(tmp, 'plain');
  fs.mkdirSync(dir);
  const charts = defaultCharts();
  fs.writeFileSync(path.join(dir, 'plain.js'), [
    '// The same objects as the app, as plain ApiObjects in the same charts: no configuration, no analysis.',
    "const { ApiObject, App, Chart } = require('cdk8s');",
    `const charts = ${JSON.stringify(charts)};`,
    "const app = new App({ outdir: process.env.CDK8S_OUTDIR || 'dist/manifests' });",
    'for (const [id, objects] of Object.entries(charts)) {',
    '  const chart = new Chart(app, id);',
    '  objects.forEach((object, index) => new ApiObject(chart, `o${index}`, object));',
    '}',
    'app.synth();',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'plain', private: true, scripts: { synth: 'node plain.js' } }));
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), 'language: javascript\napp: node plain.js\noutput: build/cdk8s-cli\n');
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** The repository as a user's clone in a temporary folder, so that the benchmark never writes the real dist/. */
function appProject(tmp: string): string {
  const dir = path.join(tmp, 'app');
  fs.mkdirSync(path.join(dir, 'examples', 'certs'), { recursive: true });
  for (const file of ['package.json', 'cdk8s.yaml', 'lightstep.yaml']) fs.copyFileSync(path.join(REPO, file), path.join(dir, file));
  fs.copyFileSync(path.join(REPO, EXAMPLE_CA_FILE), path.join(dir, EXAMPLE_CA_FILE));
  for (const link of ['node_modules', 'scripts']) fs.symlinkSync(path.join(REPO, link), path.join(dir, link));
  return dir;
}

function asProcess(tmp: string): void {
  const app = appProject(tmp);
  const plain = plainProject(tmp);
  // The CLI's upgrade check reads a cached answer from $HOME first: a fresh one keeps both sides off the network.
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home);
  fs.writeFileSync(path.join(home, '.cdk8s-cli.version'), require('cdk8s-cli/package.json').version);
  const env = { ...process.env, HOME: home, NODE_OPTIONS: '', CDK8S_OUTDIR: undefined, LIGHTSTEP_CONFIG: undefined };
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
  const commands: Array<[string, string, string[]]> = [
    ['npm run synth', npm, ['run', '--silent', 'synth']],
    ['npx cdk8s synth', npx, ['--offline', 'cdk8s', 'synth']],
  ];
  console.log(`\nAs a process, the app against a plain JavaScript cdk8s app emitting the same objects into the same files`);
  console.log(`  (wall time, median of ${RUNS} interleaved runs after one warm-up each; the app's compiled build is fresh)`);
  row('', 'app', 'plain JS', 'ratio', 'target');
  for (const [label, command, args] of commands) {
    const appRuns: Measured[] = [];
    const plainRuns: Measured[] = [];
    runProcess(command, args, env, app);
    runProcess(command, args, env, plain);
    for (let i = 0; i < RUNS; i++) {
      appRuns.push(runProcess(command, args, env, app));
      plainRuns.push(runProcess(command, args, env, plain));
    }
    const ratio = median(appRuns.map((r) => r.wallMs)) / median(plainRuns.map((r) => r.wallMs));
    const target = label.startsWith('npm') ? 1.5 : 1.3;
    row(label, ms(median(appRuns.map((r) => r.wallMs))), ms(median(plainRuns.map((r) => r.wallMs))), `${ratio.toFixed(2)}x`,
      `<=${target} ${ratio <= target ? 'met' : 'MISSED'}`);
  }
  const bare = Array.from({ length: RUNS }, () => runProcess(process.execPath, ['-e', ''], env, plain));
  row('node -e "" (node start-up alone)', ms(median(bare.map((r) => r.wallMs))));
}

function worker(tmp: string, ...args: string[]): { totalMs: number; buildMs: number; synthMs: number; objects: number; maxRssMb: number } {
  const result = spawnSync(process.execPath, [path.join(tmp, 'out/bench/worker.js'), ...args],
    { cwd: REPO, env: { ...process.env, NODE_PATH: path.join(REPO, 'node_modules'), NODE_OPTIONS: '' }, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`worker ${args.join(' ')} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!);
}

function scaling(tmp: string): void {
  console.log(`\nScaling: N application namespaces, each with its lightstep.cacert Secret and a Bookinfo (Istio ${SCALING_RELEASE})`);
  console.log('  3 charts (Namespaces, tracing, Bookinfos) in creation order, no chart dependencies, as charts/ builds them;');
  console.log('  build + synthYaml in a fresh precompiled process');
  row('N', 'objects', 'build', 'synth', 'total', 'total / N', 'max RSS');
  for (const n of SCALES) {
    const runs = Array.from({ length: n >= 1000 ? Math.max(5, Math.min(RUNS, 5)) : RUNS }, () => worker(tmp, 'scale', String(n)));
    const total = median(runs.map((r) => r.totalMs));
    row(String(n), String(runs[0].objects), ms(median(runs.map((r) => r.buildMs))), ms(median(runs.map((r) => r.synthMs))), ms(total),
      ms(total / n), `${Math.max(...runs.map((r) => r.maxRssMb)).toFixed(0)} MB`);
  }
  console.log('\n  For comparison, with Chart.addDependency between the three charts, one run each:');
  console.log('  cdk8s turns a chart dependency into one per pair of objects of the two charts, so this grows with N^2 or worse');
  row('N', 'objects', 'build', 'synth', 'total', 'total / N', 'max RSS');
  for (const n of [10, 50, 100]) {
    const r = worker(tmp, 'scale', String(n), 'deps');
    row(String(n), String(r.objects), ms(r.buildMs), ms(r.synthMs), ms(r.totalMs), ms(r.totalMs / n), `${r.maxRssMb.toFixed(0)} MB`);
  }
}

function main(): void {
  machine();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-istio-lightstep-bench-'));
  try {
    const compileMs = compile(tmp);
    console.log(`  tsc      ${ms(compileMs)} to precompile src, imports, charts, bench into a temporary folder for the workers`);
    // The app's own build (scripts/synth.js) is brought up to date once, outside the measurements.
    const fresh = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'synth.js')], { cwd: appProject(path.join(tmp, 'warm-up-parent')), encoding: 'utf8' });
    if (fresh.status !== 0) throw new Error(`synth failed:\n${fresh.stderr}`);
    asProcess(tmp);
    inProcess();
    scaling(tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main();
