/**
 * Every release in the fixtures (each minor 1.1-1.30 plus boundary patches), synthesized by the app and checked
 * against that release's own files: Helm values, mesh config protos, injector templates, served CRD versions,
 * chart folders, proxy tracers, the collector build and istioctl's overlay code.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UPSTREAM_RELEASES, UpstreamRelease } from './support/istio-upstream';
import { capturingWarnings, emptyWorkspace, removeTempDirs, synthesizeInto, tempDir, writeConfig } from './support/run-app';
import { readOutputFolder, releaseOfInstallNotes, SynthesizedOutput, upstreamProblems } from './support/upstream-checks';

const CA_FILE = fileURLToPath(new URL('./fixtures/certs/valid-ca.pem', import.meta.url));

/** A configuration for `release`: a TLS satellite with a private CA, Bookinfo behind the given ingress. */
function configFor(release: string, ingress: string, extra = ''): string {
  return [
    'istio:', `  release: "${release}"`,
    'lightstep:', '  address: lightstep-satellite.lightstep:9292', '  secure: true', `  caCertificateFile: ${JSON.stringify(CA_FILE)}`,
    '  accessTokenEnv: LIGHTSTEP_ACCESS_TOKEN',
    'bookinfo:', '  namespace: default', `  ingress: ${ingress}`, extra,
  ].join('\n');
}

/** Synthesizes a configuration with the app, in-process, into a temporary folder, and reads the folder back. */
function synthesized(release: string, ingress: string): SynthesizedOutput {
  const workspace = emptyWorkspace();
  const config = writeConfig(workspace, configFor(release, ingress));
  capturingWarnings(() => synthesizeInto(config, workspace.outputRoot));
  return readOutputFolder(workspace.outputRoot);
}

const gatewayApiReleases = new Set(UPSTREAM_RELEASES.filter((tag) => UpstreamRelease.of(tag).gatewayApiTag && !tag.match(/^1\.(1[0-5]|[0-9])\./)));
const outputs = new Map<string, SynthesizedOutput>();
function output(tag: string, ingress = 'istio-gateway'): SynthesizedOutput {
  const key = `${tag} ${ingress}`;
  if (!outputs.has(key)) outputs.set(key, synthesized(tag, ingress));
  return outputs.get(key)!;
}

afterAll(removeTempDirs);

describe('every release in the fixtures passes the checks against its own files', () => {
  test.each(UPSTREAM_RELEASES)('Istio %s with an Istio Gateway', (tag) => {
    const result = output(tag);
    expect(releaseOfInstallNotes(result.installNotes)).toBe(tag);
    expect(upstreamProblems(result, UpstreamRelease.of(tag))).toEqual([]);
  });

  test.each([...gatewayApiReleases])('Istio %s with the Gateway API', (tag) => {
    const result = output(tag, 'gateway-api');
    expect(result.objects.some((o) => o.apiVersion.startsWith('gateway.networking.k8s.io/'))).toBe(true);
    expect(upstreamProblems(result, UpstreamRelease.of(tag))).toEqual([]);
  });
});

describe('INSTALL.md\'s commands', () => {
  test('every shell block of every release\'s INSTALL.md, both ingresses, is clean under shellcheck (style level)', () => {
    const outputsToCheck = [...UPSTREAM_RELEASES.map((tag) => output(tag)), ...[...gatewayApiReleases].map((tag) => output(tag, 'gateway-api'))];
    // One shellcheck run over all of them; each INSTALL.md's blocks in order, as a user pastes them.
    const script = outputsToCheck.map((result) => [...result.installNotes.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((block) => block[1]).join('\n')).join('\n');
    const file = path.join(tempDir(), 'install-blocks.sh');
    fs.writeFileSync(file, `#!/usr/bin/env bash\n${script}`);
    const shellcheck = spawnSync('shellcheck', ['--severity=style', '--format=gcc', file], { encoding: 'utf8' });
    if (shellcheck.error) throw new Error(`shellcheck is not installed: ${shellcheck.error.message} (apt-get install -y shellcheck)`);
    expect(shellcheck.stdout.split('\n').filter(Boolean).map((line) => `${line}\n    ${script.split('\n')[Number(line.split(':')[1]) - 2]}`)).toEqual([]);
  });
});

describe('the ingress gateway gets the CA on the releases whose gateways trace with the LightStep tracer', () => {
  // tree.go is kept at 1.6.0, 1.6.14, 1.7.0 and 1.7.1: only 1.7.1 appends for index -1.
  test.each(['1.6.0', '1.6.14', '1.7.0', '1.7.1', '1.14.6'])('Istio %s', (tag) => {
    const result = output(tag);
    const operator = result.installInputs['istio-operator.yaml'];
    const overlays = operator.spec.components?.ingressGateways?.flatMap((g: any) => g.k8s.overlays) ?? [];
    const patch = /patch deployment istio-ingressgateway --type=json -p '([^']+)'/.exec(result.installNotes);
    const treeGo = UpstreamRelease.of(tag).overlayTreeGo!;
    if (/idx < 0/.test(treeGo.text)) {
      expect(overlays.flatMap((o: any) => o.patches.map((p: any) => p.path))).toEqual(
        ['spec.template.spec.containers[0].volumeMounts[-1]', 'spec.template.spec.volumes[-1]']);
      expect(patch).toBeNull();
    } else {
      expect(overlays).toEqual([]);
      expect(JSON.parse(patch![1])).toEqual([
        { op: 'add', path: '/spec/template/spec/volumes/-', value: { name: 'lightstep-certs', secret: { secretName: 'lightstep.cacert', optional: true } } },
        { op: 'add', path: '/spec/template/spec/containers/0/volumeMounts/-', value: { name: 'lightstep-certs', mountPath: '/etc/lightstep', readOnly: true } },
      ]);
      // The patch runs after the install and before the restart that mounts the Secret.
      expect(result.installNotes.indexOf('istioctl" install')).toBeLessThan(result.installNotes.indexOf('kubectl -n istio-system patch'));
    }
  });
});

describe('ambient mode passes the checks against the release\'s own files', () => {
  // 1.22.8: the newest patch of the first (Beta) line; 1.24.0: the first Stable one (its chart and go.mod fixtures only); the newest.
  test.each(['1.22.8', '1.24.0', '1.24.6', '1.30.3'])('Istio %s', (tag) => {
    const workspace = emptyWorkspace();
    const config = writeConfig(workspace, configFor(tag, 'gateway-api').replace(`  release: "${tag}"`, `  release: "${tag}"\n  dataplaneMode: ambient`));
    capturingWarnings(() => synthesizeInto(config, workspace.outputRoot));
    const result = readOutputFolder(workspace.outputRoot);
    // The values of the istio/cni and istio/ztunnel charts, the profile in every input, the waypoint's apiVersion.
    expect(Object.keys(result.installInputs)).toEqual(expect.arrayContaining(['cni-helm-values.yaml', 'ztunnel-helm-values.yaml']));
    expect(result.objects.some((o) => o.kind === 'Gateway' && o.spec.gatewayClassName === 'istio-waypoint')).toBe(true);
    expect(upstreamProblems(result, UpstreamRelease.of(tag))).toEqual([]);
  });
});

/** A copy of `output` changed by `change`, for showing that a wrong fact is caught. */
function broken(tag: string, change: (copy: SynthesizedOutput) => void, ingress = 'istio-gateway'): string[] {
  const copy = structuredClone(output(tag, ingress));
  change(copy);
  return upstreamProblems(copy, UpstreamRelease.of(tag));
}

describe('the checks fail when a fact is wrong for the release', () => {
  test('a Helm value the chart does not have', () => {
    expect(broken('1.3.8', (o) => { o.installInputs['istio-helm-values.yaml'].global.tracer.lightstep.cacertFile = '/etc/x.pem'; }))
      .toEqual([expect.stringMatching(/istio-helm-values.yaml: global.tracer.lightstep.cacertFile="\/etc\/x.pem" is not in values.yaml/)]);
  });

  test('a mesh config key the proto does not have', () => {
    expect(broken('1.9.9', (o) => { o.installInputs['istio-operator.yaml'].spec.meshConfig.defaultConfig.tracing.lightStep = {}; }))
      .toEqual([expect.stringMatching(/spec.meshConfig: defaultConfig.tracing.lightStep=\{\} is not a field of Tracing in proxy.proto \(Istio 1.9.9\)/)]);
    expect(broken('1.15.0', (o) => { o.installInputs['istio-operator.yaml'].spec.meshConfig.defaultConfig.tracing.zipkin.port = 9411; }))
      .toEqual([expect.stringMatching(/defaultConfig.tracing.zipkin.port=9411 is not a field of Tracing.Zipkin/)]);
  });

  test('an apiVersion the release does not serve', () => {
    expect(broken('1.21.6', (o) => { o.objects.find((x) => x.kind === 'VirtualService').apiVersion = 'networking.istio.io/v1'; }))
      .toEqual([expect.stringMatching(/apiVersion networking.istio.io\/v1 is not served by Istio 1.21.6 \(serves v1alpha3, v1beta1\)/)]);
    expect(broken('1.19.10', (o) => { o.objects.find((x) => x.kind === 'HTTPRoute').apiVersion = 'gateway.networking.k8s.io/v1'; }, 'gateway-api'))
      .toEqual([expect.stringMatching(/not served by gateway-api v0.8.0 \(serves v1beta1\)/)]);
  });

  test('a chart or path the release does not have', () => {
    expect(broken('1.11.8', (o) => { (o as any).installNotes = o.installNotes.replace('"$ISTIO_DIR/manifests/charts/gateways/istio-ingress"', 'istio/gateway'); }))
      .toEqual([expect.stringMatching(/Helm chart istio\/gateway is not published for Istio 1.11.8/)]);
    expect(broken('1.5.10', (o) => { (o as any).installNotes = o.installNotes.replace('$ISTIO_DIR/install/kubernetes/helm/istio"', '$ISTIO_DIR/manifests/charts/istio"'); }))
      .toContainEqual(expect.stringMatching(/\$ISTIO_DIR\/manifests\/charts\/istio does not exist in Istio 1.5.10/));
    expect(broken('1.30.3', (o) => { (o as any).installNotes = o.installNotes.replace('ref=v1.5.1', 'ref=v1.2.1'); }, 'gateway-api'))
      .toEqual([expect.stringMatching(/Gateway API CRDs v1.2.1, but Istio 1.30.3 builds against v1.5.1/)]);
  });

  test('a TLS setting the networking API does not have', () => {
    expect(broken('1.10.6', (o) => {
      const tls = o.installInputs['istio-operator.yaml'].spec.meshConfig.defaultConfig.tracing.tlsSettings;
      tls.caCertificate = tls.caCertificates;
    })).toContainEqual(expect.stringMatching(/defaultConfig.tracing.tlsSettings.caCertificate="\/etc\/lightstep\/cacert.pem" is not a field of ClientTLSSettings in destination_rule.proto \(Istio 1.10.6\)/));
  });

  test('a file INSTALL.md names that is not beside it', () => {
    expect(broken('1.9.9', (o) => { (o as any).installNotes = o.installNotes.replace('-f istio/istio-operator.yaml', '-f dist/istio/istio-operator.yaml'); }))
      .toEqual(['INSTALL.md: dist/istio/istio-operator.yaml is not in the output folder']);
    expect(broken('1.9.9', (o) => { (o as any).files = o.files.filter((file) => file !== 'verify.sh'); }))
      .toEqual(['INSTALL.md: verify.sh is not in the output folder']);
  });

  test('Helm 2 syntax, and a secure tracer without a CA path', () => {
    expect(broken('1.1.0', (o) => { (o as any).installNotes = o.installNotes.replace('helm template istio "', 'helm template --name istio "'); }))
      .toEqual(['INSTALL.md: Helm 2 syntax (--name), which Helm 3 refuses']);
    expect(broken('1.9.9', (o) => { delete o.installInputs['istio-operator.yaml'].spec.meshConfig.defaultConfig.tracing.tlsSettings.caCertificates; }))
      .toContainEqual(expect.stringMatching(/injection template: ProxyConfig.GetTracing.GetTlsSettings.GetCaCertificates=undefined must be an absolute file path/));
  });

  test('a tracer the proxy was built without', () => {
    expect(broken('1.16.0', (o) => { o.installInputs['istio-operator.yaml'].spec.values.global.proxy.tracer = 'lightstep'; }))
      .toContainEqual(expect.stringMatching(/envoy.tracers.lightstep is not compiled into the istio-proxy of Istio 1.16.0/));
  });

  test('an overlay the release cannot apply, a Secret the injector does not mount, a component the collector lacks', () => {
    expect(broken('1.7.0', (o) => { o.installInputs['istio-operator.yaml'] = output('1.7.1').installInputs['istio-operator.yaml']; }))
      .toContainEqual(expect.stringMatching(/path="spec.template.spec.containers\[0\].volumeMounts\[-1\]" index -1 is not handled by operator\/pkg\/tpath\/tree.go of Istio 1.7.0/));
    expect(broken('1.12.9', (o) => { o.objects.filter((x) => x.kind === 'Secret').forEach((x) => { x.metadata.name = 'lightstep-cacert'; }); }))
      .toContainEqual(expect.stringMatching(/injection template of Istio 1.12.9 mounts Secret lightstep.cacert at \/etc\/lightstep and reads cacert.pem, but the output creates no Secret lightstep.cacert with key cacert.pem in namespace default/));
    expect(broken('1.6.14', (o) => { (o as any).installNotes = o.installNotes.replace(/^kubectl -n istio-system patch .*$/m, ''); }))
      .toEqual([expect.stringMatching(/ingress gateway: Istio 1.6.14 mounts no CA into it/)]);
    expect(broken('1.4.10', (o) => { (o as any).objects = o.objects.filter((x) => !(x.kind === 'Secret' && x.metadata.namespace === 'istio-system')); }))
      .toEqual([expect.stringMatching(/gateway Deployment template of Istio 1.4.10 mounts Secret lightstep.cacert .* in namespace istio-system/)]);
    expect(broken('1.15.7', (o) => {
      const configMap = o.objects.find((x) => x.kind === 'ConfigMap' && x.data['collector.yaml']);
      configMap.data['collector.yaml'] = configMap.data['collector.yaml'].replace('zipkin:', 'lightstep:');
    })).toEqual([expect.stringMatching(/receivers.lightstep=.* is not a component of otelcol-contrib 0.120.0/)]);
  });
});
