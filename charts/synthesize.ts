import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { IstioRelease, LightstepInstallGuide, MeshAnalysis } from '../src';
import { ConfigurationError } from '../src/configuration-error';
import { AppConfig, parseAppConfig } from './app-config';
import { ConfigFileError, restateInConfigTerms } from './config-reader';
import { demoValueWarnings } from './demo-values';
import { buildLightstepBookinfoApp, configKeysOfProps } from './lightstep-bookinfo-app';

/** What to synthesize and where. */
export interface SynthesisOptions {
  /** Configuration file, relative to the working directory or absolute. */
  readonly configFile: string;
  /** Folder for the manifests to apply; its parent receives istio/, INSTALL.md and verify.sh. */
  readonly manifestsDir: string;
  /**
   * A folder that also receives a copy of the manifests: the `cdk8s synth` CLI's output folder, which the
   * CLI empties before the app runs and then lists or streams to stdout.
   * @default no copy
   */
  readonly manifestsCopyDir?: string;
}

/** What a synthesis wrote. */
export interface SynthesisResult {
  readonly config: AppConfig;
  /** The Istio release synthesized for: istio.release, a minor line resolved to its newest known patch. */
  readonly release: IstioRelease;
  /** Every file written, relative to the output root (the parent of the manifests folder), sorted. */
  readonly files: string[];
  /** Warnings about the configuration, already printed to stderr. */
  readonly warnings: string[];
}

/**
 * The app refuses to replace a folder that holds a file it did not write. Synthesizing replaces
 * dist/manifests and dist/istio as a whole, so a file of the user's there would silently disappear.
 */
export class ForeignOutputError extends Error {
  public constructor(public readonly files: readonly string[]) {
    super(`${files.join(', ')}: not written by cdk8s-istio-lightstep, and synthesizing replaces ${files.length === 1 ? 'its folder' : 'their folders'}; nothing was written. `
      + 'Fix: move your own files out of the output folders (e.g. to a folder of your own next to dist/) and synthesize again');
    this.name = 'ForeignOutputError';
  }
}

/** Every file the app writes says so in its first lines; that is how synth tells its files from the user's. */
export const GENERATED_MARKER = LightstepInstallGuide.GENERATED_MARKER;
const MANIFEST_HEADER = `---\n# ${GENERATED_MARKER} from the configuration file: change that file and synthesize again.\n`;
/** What the install guide writes beside the manifests folder, each replaced as a whole by every synth. */
const GUIDE_PATHS = [LightstepInstallGuide.ISTIO_DIR, LightstepInstallGuide.INSTALL_NOTES_FILE, LightstepInstallGuide.VERIFY_SCRIPT_FILE];

/**
 * Reads the configuration, builds and checks everything in memory and in a staging folder, then moves the
 * results into place, so that bad input or a failed check leaves the previous output untouched and never a
 * half-written one. Problems with the configuration are thrown as one ConfigFileError that names the file.
 */
export function synthesize(options: SynthesisOptions): SynthesisResult {
  const config = parseAppConfig(readConfigFile(options.configFile), options.configFile, path.dirname(options.configFile));

  const manifestsDir = path.normalize(options.manifestsDir);
  const outputRoot = path.dirname(manifestsDir);
  const manifestsName = path.basename(manifestsDir);
  // The output as it will be, in a folder beside it: the App writes the manifests where the guide finds them.
  const staging = stagingFolder(outputRoot);
  try {
    const stagedManifests = path.join(staging, manifestsName);
    const app = new App({ outdir: stagedManifests });
    let product;
    try {
      product = buildLightstepBookinfoApp(app, config);
    } catch (error) {
      throw error instanceof ConfigurationError ? new ConfigFileError(options.configFile, [error]) : error;
    }
    // The constructs' warnings, in the configuration's words and naming its file; two constructs that warn of the
    // same configuration value (the release, say) say the same thing once.
    const constructWarnings = new Set(MeshAnalysis.of(app).warnings()
      .map((warning) => `Warning: ${options.configFile}: ${restateInConfigTerms(configKeysOfProps(), warning)}`));
    for (const warning of constructWarnings) console.warn(warning);
    app.synth();

    const manifestFiles = fs.readdirSync(stagedManifests).sort();
    // `cdk8s synth --stdout` concatenates the files as they are; a leading document marker keeps the last
    // object of one file from merging with the first of the next in `| kubectl apply -f -`.
    for (const file of manifestFiles) {
      const manifest = path.join(stagedManifests, file);
      fs.writeFileSync(manifest, MANIFEST_HEADER + fs.readFileSync(manifest, 'utf8'));
    }
    // The same guide a library user gets for their own constructs: install inputs, INSTALL.md, verify.sh, and
    // the kustomization of the manifests folder.
    const guide = new LightstepInstallGuide({
      tracing: product.tracing, bookinfo: product.bookinfo, namespaces: [...product.namespaces], manifestFiles,
    });
    const guideFiles = guide.writeTo(staging);

    const foreign = [manifestsDir, ...GUIDE_PATHS.map((guidePath) => path.join(outputRoot, guidePath))].flatMap(foreignFiles);
    if (foreign.length > 0) throw new ForeignOutputError(foreign);

    if (options.manifestsCopyDir !== undefined) {
      fs.mkdirSync(options.manifestsCopyDir, { recursive: true });
      for (const file of manifestFiles) fs.copyFileSync(path.join(stagedManifests, file), path.join(options.manifestsCopyDir, file));
    }
    replace(stagedManifests, manifestsDir);
    // A guide path this synth did not write (verify.sh without Bookinfo) is removed: it belonged to an earlier configuration.
    for (const guidePath of GUIDE_PATHS) replace(path.join(staging, guidePath), path.join(outputRoot, guidePath));
    const files = [...manifestFiles.map((file) => `${manifestsName}/${file}`), ...guideFiles].sort();
    const warnings = demoValueWarnings(config, product.caCertificate, options.configFile);
    for (const warning of warnings) console.warn(warning);
    return { config, release: product.tracing.release, files, warnings };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Reads a configuration file's text, with an error that names the file when it cannot. */
function readConfigFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file'
      : (error as NodeJS.ErrnoException).code === 'EISDIR' ? 'a directory, not a file' : (error as Error).message;
    throw new ConfigFileError(file, [new ConfigurationError('(configuration file)', file, `cannot read the configuration file: ${reason}`,
      'give the path of a configuration file, relative to the working directory, with --config FILE or LIGHTSTEP_CONFIG, or run without either to use lightstep.yaml')]);
  }
}

/** Files below `target` (a folder or a file) that the app did not write, with their paths as given. */
function foreignFiles(target: string): string[] {
  if (!fs.existsSync(target)) return [];
  if (!fs.statSync(target).isDirectory()) return isGenerated(target) ? [] : [target];
  return fs.readdirSync(target, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? foreignFiles(path.join(target, entry.name)) : isGenerated(path.join(target, entry.name)) ? [] : [path.join(target, entry.name)]))
    .sort();
}

function isGenerated(file: string): boolean {
  const handle = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const length = fs.readSync(handle, head, 0, head.length, 0);
    return head.subarray(0, length).toString('utf8').includes(GENERATED_MARKER);
  } finally {
    fs.closeSync(handle);
  }
}

/** A fresh staging folder beside the final one, so that moving it into place is a rename on one file system. */
function stagingFolder(parent: string): string {
  fs.mkdirSync(parent, { recursive: true });
  return fs.mkdtempSync(path.join(parent, '.staging-'));
}

/** Puts `from` in the place of `to`; when `from` does not exist, `to` is only removed. */
function replace(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  if (fs.existsSync(from)) fs.renameSync(from, to);
}
