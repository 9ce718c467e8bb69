/**
 * The cdk8s app: `npm run synth` or `npx cdk8s synth`. Reads the configuration named by LIGHTSTEP_CONFIG
 * (or the built-in default) and writes dist/manifests, dist/istio and dist/INSTALL.md.
 * Bad input ends in one message that names the key, the value and the fix, and exit code 1.
 */
import * as path from 'node:path';
import { ConfigurationError } from '../src/configuration-error';
import { synthesize } from './synthesize';

const DEFAULT_MANIFESTS_DIR = 'dist/manifests';

function main(): number {
  try {
    // The cdk8s CLI passes its `output` folder (a temporary one with --stdout); run directly, the same
    // folder as cdk8s.yaml names. Install inputs and INSTALL.md go beside it, or to dist/ when it lies
    // outside the working tree, since the CLI cleans and streams only its own folder.
    const manifestsDir = process.env.CDK8S_OUTDIR ?? DEFAULT_MANIFESTS_DIR;
    const outsideWorkingTree = path.relative(process.cwd(), path.resolve(manifestsDir)).startsWith('..');
    const result = synthesize({
      configFile: process.env.LIGHTSTEP_CONFIG || undefined,
      manifestsDir,
      installDir: outsideWorkingTree ? path.dirname(DEFAULT_MANIFESTS_DIR) : undefined,
    });
    process.stdout.write(`Synthesized Istio ${result.config.istio.release} LightStep tracing:\n${result.files.map((file) => `  ${file}`).join('\n')}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`Error: ${error.message}\n`);
      return 1;
    }
    if (error instanceof Error && error.message.startsWith('Validation failed')) {
      process.stderr.write(`Error: the synthesized manifests would not work on a cluster; nothing was written.\n${error.message.replace(/^Validation failed with the following errors:\n/, '')}\n`);
      return 1;
    }
    process.stderr.write(`Internal error (please report it): ${error instanceof Error ? error.stack : String(error)}\n`);
    return 2;
  }
}

process.exitCode = main();
