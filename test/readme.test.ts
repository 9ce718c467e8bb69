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
      // Only the example's own loop prints, after the synth.
      expect(warnings.filter((warning) => !warning.startsWith('Warning: '))).toEqual([]);
    } finally {
      console.warn = printWarning;
      process.chdir(cwd);
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
