import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadAll } from 'js-yaml';

// Every TypeScript block of the README is an example file kept verbatim under examples/readme/ (named in the
// comment just above the block): `npm test` type-checks those files, and this test keeps the two equal and runs
// each example in a fresh folder, the way a user would run the snippet in a new project.

const REPO = fileURLToPath(new URL('..', import.meta.url));
const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
const BLOCK = /(?:<!-- example: (\S+)[^\n]*-->\n)?```(?:ts|typescript)\n([\s\S]*?)```/g;

const blocks = [...README.matchAll(BLOCK)].map((match) => ({ file: match[1], code: match[2] }));

// The API server's rules for the names in a pod spec, as k8s.io/apimachinery v0.27 pkg/util/validation writes
// them (dns1123LabelFmt, IsValidPortName, envVarNameFmt): the oracle the example's pods must pass.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const isDns1123Label = (name: string) => name.length <= 63 && DNS1123_LABEL.test(name);
const isPortName = (name: string) => name.length <= 15 && /^[-a-z0-9]+$/.test(name) && /[a-z]/.test(name) && !name.includes('--') && !/^-|-$/.test(name);
const isEnvVarName = (name: string) => /^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(name) && !name.startsWith('..') && name !== '.';

/** Every name of every pod spec of the objects that breaks the API server's rules. */
function invalidPodNames(objects: any[]): string[] {
  return objects.flatMap((o) => {
    const spec = o.kind === 'Pod' ? o.spec : o.spec?.template?.spec;
    if (!spec) return [];
    const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    return [
      ...(spec.volumes ?? []).map((v: any) => v.name).filter((name: string) => !isDns1123Label(name)),
      ...containers.map((c: any) => c.name).filter((name: string) => !isDns1123Label(name)),
      ...containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name).filter((name?: string) => name !== undefined && !isPortName(name))),
      ...containers.flatMap((c: any) => (c.env ?? []).map((e: any) => e.name).filter((name: string) => !isEnvVarName(name))),
    ].map((name) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}: ${name}`);
  });
}

describe('README TypeScript blocks', () => {
  test('each one is an example file, verbatim, and each example file is in the README', () => {
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      expect({ file: block.file, code: block.code }).toEqual({ file: expect.stringMatching(/^examples\/readme\/[\w-]+\.ts$/), code: block.code });
      expect(fs.readFileSync(path.join(REPO, block.file!), 'utf8')).toBe(block.code);
    }
    const files = fs.readdirSync(path.join(REPO, 'examples/readme')).map((file) => `examples/readme/${file}`).sort();
    expect(files).toEqual(blocks.map((block) => block.file).sort());
  });

  test('"Using the constructs in your own cdk8s app" synthesizes in a fresh folder: Namespace shop first, one CA Secret per namespace that mounts it, the install guide beside the manifests', async () => {
    const cwd = process.cwd();
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-'));
    const printWarning = console.warn;
    const warnings: string[] = [];
    console.warn = (...args: unknown[]) => { warnings.push(args.join(' ')); };
    try {
      fs.mkdirSync(path.join(folder, 'certs'));
      fs.copyFileSync(path.join(REPO, 'examples/certs/example-ca.crt'), path.join(folder, 'certs/Cert_Auth.crt'));
      process.chdir(folder);
      await import(pathToFileURL(path.join(REPO, 'examples/readme/your-own-app.ts')).href);
      expect(fs.readdirSync(path.join(folder, 'dist')).sort()).toEqual(['INSTALL.md', 'istio', 'manifests', 'verify.sh']);
      const files = fs.readdirSync(path.join(folder, 'dist', 'manifests')).filter((file) => file.endsWith('.yaml'));
      expect(files).toEqual(['platform.k8s.yaml']);
      const objects = loadAll(fs.readFileSync(path.join(folder, 'dist', 'manifests', files[0]), 'utf8')) as any[];
      const at = (kind: string, namespace: string | undefined, name: string) =>
        objects.findIndex((o) => o.kind === kind && o.metadata.namespace === namespace && o.metadata.name === name);
      const shop = at('Namespace', undefined, 'shop');
      expect(shop).toBeGreaterThan(-1);
      expect(objects.findIndex((o) => o.metadata.namespace === 'shop')).toBeGreaterThan(shop);
      expect(at('Secret', 'shop', 'lightstep.cacert')).toBeGreaterThan(shop);
      expect(objects.filter((o) => o.kind === 'Secret' && o.metadata.name === 'lightstep.cacert').map((o) => o.metadata.namespace).sort())
        .toEqual(['istio-system', 'payments', 'shop']); // istio-system: Istio 1.9's ingress gateway mounts it too
      // Every pod passes the API server's name rules; the CA is mounted where the tracer reads it.
      expect(objects.filter((o) => o.kind === 'Deployment')).toHaveLength(7);
      expect(invalidPodNames(objects)).toEqual([]);
      const payments = objects.find((o) => o.kind === 'Deployment' && o.metadata.namespace === 'payments');
      expect(payments.spec.template.spec.volumes).toEqual([{ name: 'lightstep-cacert', secret: { secretName: 'lightstep.cacert' } }]);
      expect(payments.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'lightstep-cacert', mountPath: '/etc/lightstep', readOnly: true }]);
      // Bookinfo, given no release, follows the tracing's: Istio 1.9 serves networking.istio.io v1alpha3 and v1beta1 only.
      expect(new Set(objects.filter((o) => o.apiVersion.startsWith('networking.istio.io/')).map((o) => o.apiVersion))).toEqual(new Set(['networking.istio.io/v1alpha3']));
      // Only the example's own loop prints, after the synth.
      expect(warnings.filter((warning) => !warning.startsWith('Warning: '))).toEqual([]);
    } finally {
      console.warn = printWarning;
      process.chdir(cwd);
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  test('the same chart with the CA mounted through kplus.Volume.fromSecret and no volume name fails the synth, naming the volume and the fix, and writes nothing', () => {
    const example = fs.readFileSync(path.join(REPO, 'examples/readme/your-own-app.ts'), 'utf8');
    const mountInto = 'secret.mountInto(deployment.containers[0]);';
    expect(example).toContain(mountInto);
    const variant = example
      .replace(mountInto, "deployment.containers[0].mount('/etc/lightstep', kplus.Volume.fromSecret(chart, 'certs', secret));")
      .replace("from 'cdk8s-istio-lightstep'", `from ${JSON.stringify(path.join(REPO, 'src/index.ts'))}`);
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-variant-'));
    try {
      fs.mkdirSync(path.join(folder, 'certs'));
      fs.copyFileSync(path.join(REPO, 'examples/certs/example-ca.crt'), path.join(folder, 'certs/Cert_Auth.crt'));
      fs.writeFileSync(path.join(folder, 'variant.ts'), variant);
      const result = spawnSync(process.execPath, ['--require', 'tsx/cjs', 'variant.ts'], {
        cwd: folder, encoding: 'utf8', env: { ...process.env, TSX_DISABLE_CACHE: '1', NODE_OPTIONS: '', NODE_PATH: path.join(REPO, 'node_modules') },
      });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(new RegExp('Deployment payments/platform-payments-\\w+ \\(construct platform/payments/Resource\\): spec\\.template\\.spec\\.volumes\\[0\\]\\.name '
        + '"secret-lightstep\\.cacert" is not valid: it is not a DNS-1123 label\\. Fix: mount the CA with the library: secret\\.mountInto\\(container\\)'));
      // The README quotes this message (up to the fix's first words) in "Synth-time analysis".
      const finding = /Deployment payments\/\S+ \(construct [^\n]*?secret\.mountInto\(container\)/.exec(result.stderr)![0];
      expect(README.replace(/\s*\n\s*/g, ' ')).toContain(`\`${finding} ...\``);
      expect(fs.readdirSync(folder).sort()).toEqual(['certs', 'dist', 'variant.ts']);
      expect(fs.readdirSync(path.join(folder, 'dist/manifests'))).toEqual([]);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
