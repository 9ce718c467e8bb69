/**
 * The cdk8s app, run by `npm run synth` and `npx cdk8s synth` (both through scripts/synth.js, which runs
 * it compiled). Reads lightstep.yaml, or the file given by `--config FILE` or LIGHTSTEP_CONFIG, and writes
 * dist/manifests, dist/istio, dist/INSTALL.md and dist/verify.sh. Bad input ends in one message that names the file, every
 * problem's key, value and fix, and exit code 1.
 */
import * as path from 'node:path';
import { ConfigurationError } from '../src/configuration-error';
import { ConfigFileError } from './config-reader';
import { ForeignOutputError, synthesize } from './synthesize';

/** The configuration file of the repository, read when neither --config nor LIGHTSTEP_CONFIG names another. */
export const DEFAULT_CONFIG_FILE = 'lightstep.yaml';
const OUTPUT_ROOT = 'dist';
const MANIFESTS_DIR = path.join(OUTPUT_ROOT, 'manifests');

/** Thrown for command-line arguments the app does not take. */
class UsageError extends Error {}

/** The configuration file: `--config FILE` (or `--config=FILE`), else LIGHTSTEP_CONFIG, else lightstep.yaml. */
function configFileFrom(args: readonly string[], env: NodeJS.ProcessEnv): string {
  let fromArgs: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = arg === '--config' ? args[++i] : arg.startsWith('--config=') ? arg.slice('--config='.length) : undefined;
    if ((arg === '--config' || arg.startsWith('--config=')) && !value) throw new UsageError('--config needs a file: npm run synth -- --config FILE');
    if (value === undefined) {
      throw new UsageError(`unexpected argument "${arg}". The only argument is --config FILE, e.g. npm run synth -- --config ${arg.endsWith('.yaml') ? arg : 'examples/istio-1.9.yaml'} (or set LIGHTSTEP_CONFIG=FILE)`);
    }
    if (fromArgs !== undefined) throw new UsageError('--config is given twice: give one configuration file');
    fromArgs = value;
  }
  return fromArgs ?? (env.LIGHTSTEP_CONFIG || DEFAULT_CONFIG_FILE);
}

function main(): number {
  try {
    const configFile = configFileFrom(process.argv.slice(2), process.env);
    // The cdk8s CLI empties its `output` folder (cdk8s.yaml) before it runs the app, and with --stdout it
    // streams the files of a temporary one: so the CLI gets its own copy of the manifests there, and dist/
    // is only ever replaced by the app itself, which refuses to drop a file it did not write.
    const cliOutdir = process.env.CDK8S_OUTDIR;
    const result = synthesize({
      configFile,
      manifestsDir: MANIFESTS_DIR,
      manifestsCopyDir: cliOutdir && path.resolve(cliOutdir) !== path.resolve(MANIFESTS_DIR) ? cliOutdir : undefined,
    });
    const summary = `Synthesized Istio ${result.release} LightStep tracing from ${configFile} into ${OUTPUT_ROOT}/:\n`
      + `${result.files.map((file) => `  ${OUTPUT_ROOT}/${file}`).join('\n')}\n`;
    // The CLI swallows the app's stdout (and --stdout must carry manifests only): say it on stderr there.
    (cliOutdir ? process.stderr : process.stdout).write(summary);
    return 0;
  } catch (error) {
    if (error instanceof ConfigFileError || error instanceof ConfigurationError || error instanceof ForeignOutputError) {
      process.stderr.write(`Error: ${error.message}\n`);
      return 1;
    }
    if (error instanceof UsageError) {
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
