import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdk8s';
import * as yaml from 'js-yaml';
import { AppConfig, DEFAULT_CONFIG_YAML, parseAppConfig } from './app-config';
import { renderInstallNotes } from './install-notes';
import { buildLightstepBookinfoApp, readConfigFile } from './lightstep-bookinfo-app';

/** What to synthesize and where. */
export interface SynthesisOptions {
  /** Configuration file, relative to the working directory; undefined for the built-in default. */
  readonly configFile?: string;
  /** Folder for the manifests to apply (cdk8s.yaml `output`); its parent receives istio/ and INSTALL.md. */
  readonly manifestsDir: string;
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
  const root = path.dirname(manifestsDir);
  fs.mkdirSync(root, { recursive: true });
  const staging = fs.mkdtempSync(path.join(root, '.staging-'));
  try {
    const stagedManifests = path.join(staging, 'manifests');
    const app = new App({ outdir: stagedManifests });
    const product = buildLightstepBookinfoApp(app, config);
    app.synth();

    const manifestFiles = fs.readdirSync(stagedManifests).sort();
    fs.mkdirSync(path.join(staging, ISTIO_DIR));
    for (const input of product.tracing.installInputs) {
      const header = `# ${input.description}\n`;
      fs.writeFileSync(path.join(staging, ISTIO_DIR, input.fileName), header + yaml.dump(input.content, { noRefs: true, lineWidth: -1 }));
    }
    const layout = { manifestsDir: path.basename(manifestsDir), istioDir: ISTIO_DIR, manifestFiles };
    fs.writeFileSync(path.join(staging, INSTALL_NOTES), renderInstallNotes(config, product, layout));

    replace(stagedManifests, manifestsDir);
    replace(path.join(staging, ISTIO_DIR), path.join(root, ISTIO_DIR));
    replace(path.join(staging, INSTALL_NOTES), path.join(root, INSTALL_NOTES));
    const files = [
      ...manifestFiles.map((file) => `${path.basename(manifestsDir)}/${file}`),
      ...product.tracing.installInputs.map((input) => `${ISTIO_DIR}/${input.fileName}`),
      INSTALL_NOTES,
    ].sort();
    return { config, files };
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function replace(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.renameSync(from, to);
}
