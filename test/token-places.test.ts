/**
 * Where a literal access token lands (lightstep.accessToken with allowLiteralAccessToken), asserted as the exact set
 * of places, plain and base64, so that a copy anywhere else fails: on 1.1-1.14 Istio's install inputs, where Istio
 * reads it; from 1.15 the collector's Secret only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { capturingWarnings, emptyWorkspace, listFiles, removeTempDirs, synthesizeInto, writeConfig } from './support/run-app';

const TOKEN = 'literal-token-7f3a91c2';
const CA = path.resolve('test/fixtures/certs/valid-ca.pem');
afterAll(removeTempDirs);

/** Every place of the output that holds the token: "file" for a file that is no YAML, "file#kind/name:path" inside a document. */
function placesOfToken(root: string): string[] {
  const forms = [TOKEN, Buffer.from(TOKEN).toString('base64')];
  const places: string[] = [];
  const walk = (node: unknown, where: string) => {
    if (typeof node === 'string') {
      if (forms.some((form) => node.includes(form))) places.push(where);
    } else if (Array.isArray(node)) {
      node.forEach((item, index) => walk(item, `${where}[${index}]`));
    } else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) walk(value, `${where}.${key}`);
    }
  };
  for (const file of listFiles(root)) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    if (!forms.some((form) => text.includes(form))) continue;
    if (!file.endsWith('.yaml')) { places.push(file); continue; }
    for (const document of yaml.loadAll(text) as any[]) {
      if (!document) continue;
      walk(document, `${file}#${document.kind ?? ''}/${document.metadata?.name ?? ''}:`);
    }
  }
  return places.sort();
}

function synthesizedWithLiteralToken(release: string): string {
  const workspace = emptyWorkspace();
  const file = writeConfig(workspace, `istio:\n  release: "${release}"\nlightstep:\n  address: lightstep-satellite.lightstep:9292\n`
    + `  caCertificateFile: ${JSON.stringify(CA)}\n  accessToken: ${TOKEN}\n  allowLiteralAccessToken: true\n`);
  capturingWarnings(() => synthesizeInto(file, workspace.outputRoot));
  return workspace.outputRoot;
}

describe('a literal access token is exactly where Istio or the collector reads it, and nowhere else', () => {
  test('1.4.10: the istio chart\'s values', () => {
    expect(placesOfToken(synthesizedWithLiteralToken('1.4.10'))).toEqual(['istio/istio-helm-values.yaml#/:.global.tracer.lightstep.accessToken']);
  });

  test('1.9.9: the mesh config of the IstioOperator and of the istiod values', () => {
    expect(placesOfToken(synthesizedWithLiteralToken('1.9.9'))).toEqual([
      'istio/istio-operator.yaml#IstioOperator/lightstep-tracing:.spec.meshConfig.defaultConfig.tracing.lightstep.accessToken',
      'istio/istiod-helm-values.yaml#/:.meshConfig.defaultConfig.tracing.lightstep.accessToken',
    ]);
  });

  test.each(['1.16.0', '1.30.3'])('%s: the collector\'s token Secret', (release) => {
    expect(placesOfToken(synthesizedWithLiteralToken(release))).toEqual(['manifests/0001-lightstep.k8s.yaml#Secret/lightstep-access-token:.stringData.access_token']);
  });
});
