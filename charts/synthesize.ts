import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import * as yaml from 'js-yaml';
import { MeshAnalysis } from '../src';
import { AppConfig, DEFAULT_CONFIG_YAML, parseAppConfig } from './app-config';
import { renderInstallNotes } from './install-notes';
import { buildLightstepBookinfoApp, readConfigFile } from './lightstep-bookinfo-app';

/** What to synthesize and where. */
export interface SynthesisOptions {
  /** Configuration file, relative to the working directory; undefined for the built-in default. */
  readonly configFile?: string;
  /** Folder for the manifests to apply (cdk8s.yaml `output`). */
  readonly manifestsDir: string;
  /**
   * Folder that receives istio/ and INSTALL.md.
   * @default the parent of manifestsDir
   */
  readonly installDir?: string;
}

/** What a synthesis wrote. */
export interface SynthesisResult {
  readonly config: AppConfig;
  /** Every file written, relative to the output root (the parent of the manifests folder), sorted. */
  readonly files: string[];
}

const ISTIO_DIR = 'istio';
const INSTALL_NOTES = 'INSTALL.md';

/**
 * Builds and checks everything in memory and in a staging folder, then moves the results into place, so
 * that bad input or a failed check leaves the previous output untouched and never a half-written one.
 */
export function synthesize(options: SynthesisOptions): SynthesisResult {
  const config = options.configFile === undefined
    ? parseAppConfig(DEFAULT_CONFIG_YAML, 'built-in default configuration', '.')
    : parseAppConfig(readConfigFile(options.configFile), options.configFile, path.dirname(options.configFile));

  const manifestsDir = path.normalize(options.manifestsDir);
  const installDir = path.normalize(options.installDir ?? path.dirname(manifestsDir));
  // INSTALL.md names the manifests folder relative to itself; a folder elsewhere (cdk8s synth --stdout
  // streams from a temporary one) is shown under its conventional name, so the note stays byte-stable.
  const fromInstallDir = path.relative(installDir, manifestsDir);
  const manifestsName = fromInstallDir.startsWith('..') || path.isAbsolute(fromInstallDir) ? 'manifests' : fromInstallDir.split(path.sep).join('/');
  const staging = [stagingFolder(path.dirname(manifestsDir)), stagingFolder(installDir)];
  try {
    const stagedManifests = path.join(staging[0], 'manifests');
    const app = new App({ outdir: stagedManifests });
    const product = buildLightstepBookinfoApp(app, config);
    for (const warning of MeshAnalysis.of(app).warnings()) console.warn(`Warning: ${warning}`);
    app.synth();

    const manifestFiles = fs.readdirSync(stagedManifests).sort();
    // `cdk8s synth --stdout` concatenates the files as they are; a leading document marker keeps the last
    // object of one file from merging with the first of the next in `| kubectl apply -f -`.
    for (const file of manifestFiles) {
      const manifest = path.join(stagedManifests, file);
      fs.writeFileSync(manifest, `---\n${fs.readFileSync(manifest, 'utf8')}`);
    }
    fs.mkdirSync(path.join(staging[1], ISTIO_DIR));
    for (const input of product.tracing.installInputs) {
      const header = `# ${input.description}\n`;
      fs.writeFileSync(path.join(staging[1], ISTIO_DIR, input.fileName), header + yaml.dump(input.content, { noRefs: true, lineWidth: -1 }));
    }
    const layout = { manifestsDir: manifestsName, istioDir: ISTIO_DIR, manifestFiles };
    fs.writeFileSync(path.join(staging[1], INSTALL_NOTES), renderInstallNotes(config, product, layout));

    replace(stagedManifests, manifestsDir);
    replace(path.join(staging[1], ISTIO_DIR), path.join(installDir, ISTIO_DIR));
    replace(path.join(staging[1], INSTALL_NOTES), path.join(installDir, INSTALL_NOTES));
    const files = [
      ...manifestFiles.map((file) => `${manifestsName}/${file}`),
      ...product.tracing.installInputs.map((input) => `${ISTIO_DIR}/${input.fileName}`),
      INSTALL_NOTES,
    ].sort();
    return { config, files };
  } finally {
    for (const folder of staging) fs.rmSync(folder, { recursive: true, force: true });
  }
}

/** A fresh staging folder beside the final one, so that moving it into place is a rename on one file system. */
function stagingFolder(parent: string): string {
  fs.mkdirSync(parent, { recursive: true });
  return fs.mkdtempSync(path.join(parent, '.staging-'));
}

function replace(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.renameSync(from, to);
}
