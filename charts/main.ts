/**
 * The cdk8s app: `npm run synth` or `npx cdk8s synth`. Reads the configuration named by LIGHTSTEP_CONFIG
 * (or the built-in default) and writes dist/manifests, dist/istio and dist/INSTALL.md.
 * Bad input ends in one message that names the key, the value and the fix, and exit code 1.
 */
import { ConfigurationError } from '../src';
import { synthesize } from './synthesize';

function main(): number {
  try {
    const result = synthesize({
      configFile: process.env.LIGHTSTEP_CONFIG || undefined,
      // The cdk8s CLI passes its `output` folder; run directly, the same folder as cdk8s.yaml names.
      manifestsDir: process.env.CDK8S_OUTDIR ?? 'dist/manifests',
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
