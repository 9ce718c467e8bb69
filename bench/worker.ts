/**
 * One measured synthesis in a fresh process, so that its peak memory is its own. Prints one JSON line.
 *   worker scale N [deps]   N application namespaces (with chart dependencies when "deps" is given)
 *   worker default          the default configuration
 */
import { CaCertificate } from '../src';
import { defaultApp, EXAMPLE_CA_FILE, scaledApp } from './scenarios';

function main(): void {
  const [scenario, count, variant] = process.argv.slice(2);
  const started = performance.now();
  const app = scenario === 'default' ? defaultApp()
    : scaledApp(Number(count), CaCertificate.fromFile(EXAMPLE_CA_FILE), { chartDependencies: variant === 'deps' });
  const built = performance.now();
  const yaml = app.synthYaml();
  const synthesized = performance.now();
  process.stdout.write(`${JSON.stringify({
    buildMs: built - started,
    synthMs: synthesized - built,
    totalMs: synthesized - started,
    objects: (yaml.match(/^kind: /gm) ?? []).length,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`);
}

main();
