/**
 * Regenerates imports/ from the CRD files kept in imports/crds/.
 *
 * Only the kinds and API versions this library emits are imported: every version of the
 * five Istio kinds generates about 700 KB of TypeScript, which slows every compile and test.
 * Run with `npm run import`; it works offline because cdk8s import reads local files.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';

interface ImportSpec {
  /** CRD file under imports/crds/. */
  readonly source: string;
  /** Module name cdk8s import writes (imports/<prefix>.ts). */
  readonly prefix: string;
  /** CRD name -> versions to keep. */
  readonly keep: Record<string, string[]>;
}

const IMPORTS: ImportSpec[] = [
  {
    source: 'istio-1.30.3-networking-telemetry.yaml',
    prefix: 'networking.istio.io',
    keep: {
      'gateways.networking.istio.io': ['v1', 'v1alpha3'],
      'virtualservices.networking.istio.io': ['v1', 'v1alpha3'],
      'destinationrules.networking.istio.io': ['v1', 'v1alpha3'],
    },
  },
  {
    source: 'istio-1.30.3-networking-telemetry.yaml',
    prefix: 'telemetry.istio.io',
    keep: { 'telemetries.telemetry.istio.io': ['v1', 'v1alpha1'] },
  },
  {
    source: 'gateway-api-v1.5.1-gateways-httproutes.yaml',
    prefix: 'gateway.networking.k8s.io',
    keep: {
      'gateways.gateway.networking.k8s.io': ['v1', 'v1beta1'],
      'httproutes.gateway.networking.k8s.io': ['v1', 'v1beta1'],
    },
  },
];

const work = mkdtempSync(join(tmpdir(), 'crd-import-'));
try {
  for (const spec of IMPORTS) {
    const docs = yaml.loadAll(readFileSync(join('imports/crds', spec.source), 'utf8')) as any[];
    const kept = docs
      .filter((doc) => doc && spec.keep[doc.metadata?.name])
      .map((doc) => ({
        ...doc,
        spec: { ...doc.spec, versions: doc.spec.versions.filter((v: any) => spec.keep[doc.metadata.name].includes(v.name)) },
      }));
    const file = join(work, `${spec.prefix}.yaml`);
    writeFileSync(file, kept.map((doc) => yaml.dump(doc, { noRefs: true })).join('---\n'));
    execFileSync('npx', ['cdk8s', 'import', file, '--no-save', '--output', 'imports', '--language', 'typescript'], {
      stdio: 'inherit',
      env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' },
    });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
