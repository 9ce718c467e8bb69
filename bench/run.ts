/**
 * `npm run bench`: synth time of the default configuration (in-process and as a process), its ratio to the
 * same objects as plain ApiObjects, and scaling with the number of application namespaces, with peak memory.
 * Prints to stdout only; compiled files go to a temporary folder.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { baselineApp, defaultApp, defaultObjects, SCALING_RELEASE } from './scenarios';

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
  console.log(`\nDefault configuration, in-process (build App + charts + synthYaml, ${objects.length} objects, warm, median of ${libraryTimes.length})`);
  row('library (3 charts, config, CA parse, analysis)', ms(median(libraryTimes)));
  row('plain ApiObjects, same objects, one chart', ms(median(plainTimes)));
  row('ratio library / plain  (target <= 1.3)', `${(median(libraryTimes) / median(plainTimes)).toFixed(2)}x`);
}

interface Measured { wallMs: number; maxRssMb?: number }

function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv): Measured {
  const timeBinary = fs.existsSync('/usr/bin/time');
  const start = performance.now();
  const result = timeBinary
    ? spawnSync('/usr/bin/time', ['-f', 'MAXRSS_KB=%M', command, ...args], { cwd: REPO, env, encoding: 'utf8' })
    : spawnSync(command, args, { cwd: REPO, env, encoding: 'utf8' });
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

function asProcess(tmp: string): void {
  const outDir = path.join(tmp, 'synth', 'manifests');
  const env = { ...process.env, CDK8S_OUTDIR: outDir, CDK8S_CHECK_UPGRADE: 'false', NODE_PATH: path.join(REPO, 'node_modules'), NODE_OPTIONS: '' };
  const variants: Array<[string, string, string[]]> = [
    ['npx tsx charts/main.ts', 'npx', ['tsx', 'charts/main.ts']],
    ['node_modules/.bin/tsx charts/main.ts', path.join(REPO, 'node_modules/.bin/tsx'), ['charts/main.ts']],
    ['node charts/main.js (precompiled)', process.execPath, [path.join(tmp, 'out/charts/main.js')]],
    ['node -e "" (node start-up alone)', process.execPath, ['-e', '']],
  ];
  console.log(`\nDefault configuration, as a process (wall time, median of ${RUNS}; writes to a temporary folder)`);
  row('', 'wall', 'max RSS');
  for (const [label, command, args] of variants) {
    runProcess(command, args, env);
    const runs = Array.from({ length: RUNS }, () => runProcess(command, args, env));
    const rss = runs.map((r) => r.maxRssMb ?? 0);
    row(label, ms(median(runs.map((r) => r.wallMs))), rss[0] ? `${Math.max(...rss).toFixed(0)} MB` : 'n/a');
  }
}

function worker(tmp: string, ...args: string[]): { totalMs: number; buildMs: number; synthMs: number; objects: number; maxRssMb: number } {
  const result = spawnSync(process.execPath, [path.join(tmp, 'out/bench/worker.js'), ...args],
    { cwd: REPO, env: { ...process.env, NODE_PATH: path.join(REPO, 'node_modules'), NODE_OPTIONS: '' }, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`worker ${args.join(' ')} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!);
}

function scaling(tmp: string): void {
  console.log(`\nScaling: N application namespaces, each with its lightstep.cacert Secret and a Bookinfo (Istio ${SCALING_RELEASE})`);
  console.log('  3 charts (Namespaces, tracing, Bookinfos) in creation order; build + synthYaml in a fresh precompiled process');
  row('N', 'objects', 'build', 'synth', 'total', 'total / N', 'max RSS');
  for (const n of SCALES) {
    const runs = Array.from({ length: n >= 1000 ? Math.max(5, Math.min(RUNS, 5)) : RUNS }, () => worker(tmp, 'scale', String(n)));
    const total = median(runs.map((r) => r.totalMs));
    row(String(n), String(runs[0].objects), ms(median(runs.map((r) => r.buildMs))), ms(median(runs.map((r) => r.synthMs))), ms(total),
      ms(total / n), `${Math.max(...runs.map((r) => r.maxRssMb)).toFixed(0)} MB`);
  }
  console.log('\n  Same, with Chart.addDependency between the three charts (numbered files, as charts/ does), one run each:');
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
    console.log(`  tsc      ${ms(compileMs)} to precompile src, imports, charts, bench into a temporary folder`);
    inProcess();
    asProcess(tmp);
    scaling(tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main();
