/**
 * What `kubectl kustomize "github.com/kubernetes-sigs/gateway-api/config/crd?ref=<tag>"` prints, without the
 * network: the CustomResourceDefinitions of that tag, with the kinds, scope and served versions that
 * test/fixtures/gateway-api derived from the tag's own CRD files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { toYamlStream } from './yaml-stream';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'gateway-api');
const PLURALS: Record<string, string> = { Gateway: 'gateways', HTTPRoute: 'httproutes', GatewayClass: 'gatewayclasses', ReferenceGrant: 'referencegrants', GRPCRoute: 'grpcroutes' };

/** The CRD stream for a Gateway API kustomization URL, or undefined when the URL is not one. */
export function gatewayApiCrdStream(target: string): string | undefined {
  const match = /^github\.com\/kubernetes-sigs\/gateway-api\/config\/crd(?:\/(experimental|standard))?\?ref=(v[0-9.]+)$/.exec(target);
  if (!match) return undefined;
  const [, channel = 'standard', tag] = match;
  const lines = fs.readFileSync(path.join(FIXTURES, 'crd-versions.txt'), 'utf8').split('\n').filter(Boolean).map((line) => line.split(' '));
  const crds = lines.filter(([lineTag, , , , , lineChannel]) => lineTag === tag && (lineChannel ?? 'standard') === channel).map(([, group, kind, served]) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${PLURALS[kind]}.${group}`, annotations: { 'gateway.networking.k8s.io/bundle-version': tag, 'gateway.networking.k8s.io/channel': channel } },
    spec: {
      group,
      names: { kind, plural: PLURALS[kind], listKind: `${kind}List`, singular: kind.toLowerCase() },
      scope: 'Namespaced',
      versions: served.split(',').map((name) => ({ name, served: true, storage: false })),
    },
  }));
  if (crds.length === 0) throw new Error(`test/fixtures/gateway-api has no CRDs of ${channel} ${tag}`);
  return toYamlStream(crds);
}
