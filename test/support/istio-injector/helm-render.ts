/**
 * Renders an Istio release's own Helm charts (test/fixtures/istio-charts/istio-<tag>.tar.gz, see its README) with a
 * real Helm 3, for tests of the fake injector: the chart folders are unpacked into a temporary folder that is
 * removed again, and `helm template` prints the objects an install would apply.
 * Helm is `$HELM_BIN` when set, else the install runs' (`$CDK8S_ISTIO_LIGHTSTEP_HELM`), else the pinned Helm 3.17.3
 * that scripts/fetch-tools.js brings once per machine.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { CHARTS_DIR, UpstreamRelease } from '../istio-upstream';

let helm: string | undefined;

/** The Helm binary the renders run; fetched and checked on first use when no environment variable names one. */
export function helmBinary(): string {
  if (helm) return helm;
  const named = process.env.HELM_BIN || process.env.CDK8S_ISTIO_LIGHTSTEP_HELM;
  if (named) {
    if (!fs.existsSync(named)) throw new Error(`no Helm binary at ${named} (HELM_BIN or CDK8S_ISTIO_LIGHTSTEP_HELM)`);
    return (helm = named);
  }
  try {
    const tools = createRequire(import.meta.url)('../../../scripts/fetch-tools.js') as { ensureTools: () => { helm: string } };
    return (helm = tools.ensureTools().helm);
  } catch (error) {
    throw new Error(`no Helm 3 to render Istio's charts: ${(error as Error).message} (set HELM_BIN to a Helm 3.17.3 binary)`);
  }
}

/** The chart archive of `tag`; throws naming the folder when the fixtures do not have that release. */
function chartArchive(tag: string): string {
  const archive = path.join(CHARTS_DIR, `istio-${tag}.tar.gz`);
  if (!fs.existsSync(archive)) throw new Error(`no charts archive of Istio ${tag} in ${CHARTS_DIR} (its README lists the releases kept)`);
  return archive;
}

/** The chart folder that installs the control plane: the istio chart (1.1-1.5), istio-discovery (1.6+). */
export function controlPlaneChart(tag: string): string {
  const [, minor] = tag.split('.').map(Number);
  return minor <= 5 ? 'install/kubernetes/helm/istio' : 'manifests/charts/istio-control/istio-discovery';
}

export interface RenderOptions {
  /** Folder of the release archive, e.g. "manifests/charts/istio-control/istio-discovery". */
  readonly chart: string;
  readonly namespace?: string;
  readonly releaseName?: string;
  /** Values, written to a file and given with -f. */
  readonly values?: Record<string, unknown>;
  /** Extra `helm template` arguments. */
  readonly args?: readonly string[];
  /** Other folders of the archive to unpack as well (e.g. manifests/profiles). */
  readonly alsoUnpack?: readonly string[];
  /**
   * Files of the archive to give with -f before `values`, when the archive has them: 1.6-1.x keep the global values
   * the operator merges into every chart in manifests/charts/global.yaml (README-helm3.md passes it to Helm).
   */
  readonly valueFiles?: readonly string[];
}

/** Unpacks `folders` of the release archive into a temporary folder, runs `use` on it and removes it. */
export function withReleaseFiles<T>(tag: string, folders: readonly string[], use: (root: string) => T): T {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-chart-'));
  try {
    execFileSync('tar', ['xzf', chartArchive(tag), '-C', temp, ...folders.map((folder) => `istio-${tag}/${folder}`)]);
    return use(path.join(temp, `istio-${tag}`));
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}

/** The `helm template` arguments; `options.values` is written to `valuesFile`. */
function templateArgs(root: string, options: RenderOptions, valuesFile: string): string[] {
  const args = ['template', options.releaseName ?? 'istio', path.join(root, options.chart), '--namespace', options.namespace ?? 'istio-system'];
  for (const file of options.valueFiles ?? []) if (fs.existsSync(path.join(root, file))) args.push('-f', path.join(root, file));
  if (options.values) {
    fs.writeFileSync(valuesFile, yaml.dump(options.values));
    args.push('-f', valuesFile);
  }
  args.push(...(options.args ?? []));
  return args;
}

function parseObjects(output: string): Array<Record<string, any>> {
  return yaml.loadAll(output).filter((object): object is Record<string, any> => object !== null && typeof object === 'object');
}

/** The folders (or files) among `folders` that the release's chart archive has. */
function existingFolders(tag: string, folders: readonly string[]): string[] {
  chartArchive(tag);
  const files = [...UpstreamRelease.of(tag).chartFiles];
  return folders.filter((folder) => files.some((file) => file === folder || file.startsWith(`${folder}/`)));
}

/** `helm template` of a chart folder of the release: the rendered objects. */
export function renderChart(tag: string, options: RenderOptions): Array<Record<string, any>> {
  const folders = existingFolders(tag, [options.chart, ...(options.alsoUnpack ?? []), ...(options.valueFiles ?? [])]);
  return withReleaseFiles(tag, folders, (root) => {
    const output = execFileSync(helmBinary(), templateArgs(root, options, path.join(root, 'values.override.yaml')), { maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    return parseObjects(output);
  });
}

/**
 * Several renders of one release at once (Helm runs in parallel child processes), from one unpacked archive.
 * Rejects with Helm's error output when a render fails.
 */
export async function renderCharts(tag: string, renders: readonly RenderOptions[]): Promise<Array<Array<Record<string, any>>>> {
  const folders = existingFolders(tag, renders.flatMap((options) => [options.chart, ...(options.alsoUnpack ?? []), ...(options.valueFiles ?? [])]));
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-chart-'));
  try {
    execFileSync('tar', ['xzf', chartArchive(tag), '-C', temp, ...[...new Set(folders)].map((folder) => `istio-${tag}/${folder}`)]);
    const root = path.join(temp, `istio-${tag}`);
    return await Promise.all(renders.map((options, index) => new Promise<Array<Record<string, any>>>((resolve, reject) => {
      const args = templateArgs(root, options, path.join(temp, `values-${index}.yaml`));
      execFile(helmBinary(), args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`helm template of Istio ${tag} ${options.chart} failed: ${stderr || error.message}`));
        else resolve(parseObjects(stdout));
      });
    })));
  } finally {
    fs.rmSync(temp, { recursive: true, force: true });
  }
}
