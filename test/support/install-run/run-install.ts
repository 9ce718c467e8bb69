/**
 * Runs a generated INSTALL.md as a user would: every shell block before the clean-up, of one route, in order, in one
 * `bash -eo pipefail` started in the folder that holds INSTALL.md, with `$HOME/istio-<release>` holding that
 * release's own charts (test/fixtures/istio-charts) and `bin/istioctl`, and kubectl, helm, istioctl and curl on PATH
 * answered by a fake cluster (helm renders with the real Helm 3). What the cluster received is returned for checks.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeCluster } from './cluster';
import { FakeClusterReads } from './cluster-reads';
import { DataPlane, PodInjector } from './data-plane';
import { gatewayApiCrdStream } from './gateway-api-crds';
import { helm, HelmState } from './helm';
import { blocksForRoute, NotesBlock, parseInstallNotes } from './install-notes';
import { istioctl } from './istioctl';
import { kubectl } from './kubectl';
import { MeshTraffic } from './mesh-traffic';
import { serveTools } from './tool-server';
import { ToolAnswer, ToolCall, World } from './world';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.join(HERE, 'bin');
const CHARTS = path.join(HERE, '..', '..', 'fixtures', 'istio-charts');
/** What productpage serves: its template (samples/bookinfo/src/productpage/templates/productpage.html of Istio 1.30.3). */
const PRODUCT_PAGE = fs.readFileSync(path.join(HERE, '..', '..', 'fixtures', 'verify', 'upstream', 'bookinfo', 'productpage.html'), 'utf8');
/**
 * The CA that signed the certificate of LightStep's satellites and public ingest, as the tests' user holds it: the
 * install runs configure it as lightstep.caCertificateFile. A CA file that holds another CA fails their TLS.
 */
export const SATELLITE_CA_FILE = path.join(HERE, '..', '..', 'fixtures', 'certs', 'valid-ca.pem');

/** The access token the user types where INSTALL.md says `<your LightStep access token>`. */
export const INSTALL_RUN_TOKEN = 'lsat-install-run-token-5d2c81';
/** INSTALL.md's placeholder for the token, the one line a user edits besides ISTIO_DIR. */
const TOKEN_PLACEHOLDER = '<your LightStep access token>';

/** The release folders of test/fixtures/istio-charts, e.g. "1.30.3". */
export function chartReleases(): string[] {
  return fs.readdirSync(CHARTS).map((file) => /^istio-(\d+\.\d+\.\d+)\.tar\.gz$/.exec(file)?.[1]).filter((tag): tag is string => tag !== undefined);
}

export interface InstallRunOptions {
  /** The folder that holds INSTALL.md (a synthesized dist/). It is copied; the copy is what the commands see. */
  readonly distDir: string;
  /** The Istio release whose charts `$ISTIO_DIR` holds, e.g. "1.9.9". */
  readonly release: string;
  /** The route to take where INSTALL.md offers several ("istioctl", "helm"). */
  readonly route?: string;
  /** The real Helm 3 and kubectl (scripts/fetch-tools.js). */
  readonly tools: { readonly helm: string; readonly kubectl: string };
  /** Builds the fake injector from the objects the install applied. */
  readonly injector: (cluster: FakeCluster, istioDir: string) => PodInjector;
  /** Edits INSTALL.md before the run, e.g. to plant a fault. */
  readonly editNotes?: (markdown: string) => string;
  /** Commands to run instead of INSTALL.md's blocks (e.g. a README section, as printed), as one block. */
  readonly commands?: string;
}

export interface InstallRun {
  readonly code: number;
  readonly output: string;
  readonly blocks: readonly NotesBlock[];
  readonly cluster: FakeCluster;
  readonly dataPlane: DataPlane;
  readonly traffic: MeshTraffic;
  readonly log: readonly ToolCall[];
  /** The dist folder as the commands saw it. */
  readonly distDir: string;
  /** Every file the run's shell could read that the user keeps: the dist copy. */
  readonly workDir: string;
  /** The block that failed and why, for a red test that says what a user would see. */
  readonly failure?: string;
  /**
   * Runs more shell text in the dist folder against the same cluster, e.g. verify.sh after a change to the cluster;
   * its calls carry the returned block number.
   */
  shell(commands: string, env?: Record<string, string>): Promise<{ code: number; output: string; block: number }>;
  /** Stops the run's fake tools and removes its folders (the dist copy, the release's files). */
  dispose(): Promise<void>;
}

/** Runs not disposed yet: a test file's runs are disposed when it ends, whatever its tests did. */
const openRuns = new Set<InstallRun>();
if (typeof afterAll === 'function') afterAll(async () => { for (const run of [...openRuns]) await run.dispose(); });

export async function runInstall(options: InstallRunOptions): Promise<InstallRun> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'install-run-'));
  try {
    const dist = path.join(work, 'dist');
    fs.cpSync(options.distDir, dist, { recursive: true });
    const home = path.join(work, 'home');
    fs.mkdirSync(home);
    await untar(path.join(CHARTS, `istio-${options.release}.tar.gz`), home);
    const istioDir = path.join(home, `istio-${options.release}`);
    fs.mkdirSync(path.join(istioDir, 'bin'), { recursive: true });
    fs.symlinkSync(path.join(BIN, 'fake-tool'), path.join(istioDir, 'bin', 'istioctl'));
    const scratch = path.join(work, 'answers');
    fs.mkdirSync(scratch);

    const notesFile = path.join(dist, 'INSTALL.md');
    const markdown = (options.editNotes ?? ((m) => m))(fs.readFileSync(notesFile, 'utf8'));
    fs.writeFileSync(notesFile, markdown);
    // The user puts their token where the notes leave a placeholder; ISTIO_DIR already names $HOME/istio-<release>.
    const typed = (text: string) => text.split(TOKEN_PLACEHOLDER).join(INSTALL_RUN_TOKEN);
    const blocks = options.commands !== undefined
      ? [{ step: 'the commands given', text: typed(options.commands) }]
      : blocksForRoute(parseInstallNotes(markdown), options.route).map((block) => ({ ...block, text: typed(block.text) }));

    const cluster = new FakeCluster();
    const dataPlane = new DataPlane(cluster, options.injector(cluster, istioDir), { release: options.release });
    const traffic = new MeshTraffic(cluster, dataPlane, { productPage: PRODUCT_PAGE, satelliteCa: fs.readFileSync(SATELLITE_CA_FILE, 'utf8') });
    const log: ToolCall[] = [];
    const world: World = {
      cluster,
      dataPlane,
      reads: new FakeClusterReads(cluster, dataPlane, traffic),
      tools: options.tools,
      release: options.release,
      istioDir,
      remoteKustomizations: gatewayApiCrdStream,
      log,
    };
    const helmState = new HelmState();
    const handle = (call: ToolCall): ToolAnswer => {
      log.push(call);
      switch (call.tool) {
        case 'kubectl': return kubectl(world, call);
        case 'helm': return helm(world, helmState, call);
        case 'istioctl': return istioctl(world, call);
        case 'curl': return curl(traffic, call);
        default: return { code: 127, stdout: '', stderr: `${call.tool}: command not found\n` };
      }
    };
    const server = await serveTools(handle, scratch);
    const env = { PATH: `${BIN}:${process.env.PATH}`, HOME: home, INSTALL_RUN_PORT: String(server.port), TMPDIR: scratch, LANG: 'C.UTF-8' };
    let scripts = 0;
    /** Runs shell text in the dist folder against this run's cluster, each block numbered for the calls it makes. */
    const runBlocks = async (toRun: readonly NotesBlock[], firstNumber: number, extraEnv: Record<string, string>) => {
      const script = path.join(work, `script-${++scripts}.sh`);
      // One user's shell: what an earlier script exported (ISTIO_DIR, the token, GATEWAY_URL) is still set.
      const exported = path.join(work, 'exported.sh');
      fs.writeFileSync(script, [
        `if [ -f '${exported}' ]; then . '${exported}'; fi`,
        `trap 'export -p > ${JSON.stringify(exported)}' EXIT`,
        'trap \'printf "INSTALL-RUN: block %s failed at: %s\\n" "$__block" "$BASH_COMMAND" >&2\' ERR',
        ...toRun.flatMap((block, index) => [`__block=${firstNumber + index}`, `export INSTALL_RUN_BLOCK=${firstNumber + index}`, block.text]),
        '',
      ].join('\n'));
      return runBash(script, dist, { ...env, ...extraEnv });
    };
    try {
      const result = await runBlocks(blocks, 1, {});
      const failed = /INSTALL-RUN: block (\d+) failed at: (.*)/.exec(result.output);
      const failure = result.code === 0 ? undefined : failed
        ? `block ${failed[1]} (${blocks[Number(failed[1]) - 1].step}${blocks[Number(failed[1]) - 1].section ? ` / ${blocks[Number(failed[1]) - 1].section}` : ''}) failed at: ${failed[2]}\n--- block ---\n${blocks[Number(failed[1]) - 1].text}\n--- output ---\n${result.output}`
        : `exit ${result.code}\n--- output ---\n${result.output}`;
      let after = blocks.length;
      let disposed = false;
      const run: InstallRun = {
        code: result.code, output: result.output, blocks, cluster, dataPlane, traffic, log, distDir: dist, workDir: work, failure,
        shell: async (commands: string, extraEnv: Record<string, string> = {}) => {
          const outcome = await runBlocks([{ step: 'after the install', text: commands }], ++after, extraEnv);
          return { ...outcome, block: after };
        },
        dispose: async () => {
          if (disposed) return;
          disposed = true;
          openRuns.delete(run);
          await server.close();
          fs.rmSync(work, { recursive: true, force: true });
        },
      };
      openRuns.add(run);
      return run;
    } catch (error) {
      await server.close();
      throw error;
    }
  } catch (error) {
    fs.rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

function untar(archive: string, into: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['-xzf', archive, '-C', into], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tar -xzf ${archive} exited ${code}`))));
  });
}

function runBash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    // The user's shell: no token until INSTALL.md's own line exports one.
    const shellEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete shellEnv.LIGHTSTEP_ACCESS_TOKEN;
    const child = spawn('bash', ['-eo', 'pipefail', script], { cwd, env: shellEnv });
    let output = '';
    child.stdout.on('data', (chunk) => { output += chunk; });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** curl from the user's machine: the URL's address and port through the fake cluster's load balancers. */
function curl(traffic: MeshTraffic, call: ToolCall): ToolAnswer {
  let url: string | undefined;
  let outputFile: string | undefined;
  let host = '*';
  for (let i = 0; i < call.args.length; i++) {
    const arg = call.args[i];
    if (arg === '-o') outputFile = call.args[++i];
    else if (arg === '-H') host = /^Host:\s*(.*)$/i.exec(call.args[++i])?.[1] ?? host;
    else if (arg === '--max-time') i++;
    else if (/^-[sSfL]+$/.test(arg)) continue;
    else if (arg.startsWith('-')) return { code: 2, stdout: '', stderr: `curl: option ${arg}: is unknown to the fake curl\n` };
    else url = arg;
  }
  const parsed = url ? /^http:\/\/([^/:]*)(?::(\d+))?(\/.*)?$/.exec(url) : null;
  if (!parsed || parsed[1] === '') return { code: 3, stdout: '', stderr: `curl: (3) URL rejected: Bad hostname (${url})\n` };
  const page = traffic.fromOutside(parsed[1], Number(parsed[2] ?? 80), parsed[3] ?? '/', host);
  if (!page) return { code: 7, stdout: '', stderr: `curl: (7) Failed to connect to ${parsed[1]} port ${parsed[2] ?? 80}\n` };
  if (outputFile) {
    if (outputFile !== '/dev/null') fs.writeFileSync(path.resolve(call.cwd, outputFile), page.body);
    return { code: 0, stdout: '' };
  }
  return { code: 0, stdout: page.body };
}
