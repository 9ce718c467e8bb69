/**
 * The fake sidecar injector (test/support/istio-injector) against Istio's own injection goldens: the inputs and
 * `.injected` outputs of istio/istio's pkg/kube/inject tests at six releases, kept verbatim in
 * test/fixtures/istio-injector (PROVENANCE.tsv), with the injector configuration each of those tests used:
 * - 1.1.17, 1.4.10: TestHelmInject: the injector ConfigMap of the release's `istio` chart rendered with default
 *   values, the mesh config's code defaults (mesh.DefaultMeshConfig()), the Deployment's pod template as the pod.
 * - 1.9.9, 1.30.3: TestInjection: the istio-discovery chart rendered with the `default` profile's values (what
 *   `--set profile=empty,components.pilot.enabled=true` gives the chart), the objects found like an install's.
 * - 1.14.6, 1.22.8: TestInjection with the settings the test kept in testdata/inputs (default, and the CNI case).
 * From 1.9 the workload becomes a pod the way Istio's webhook test converts it (owner reference, generateName),
 * here with FAKE_POD_TEMPLATE_HASH.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { admittedPod } from './support/istio-injector/admitted-pod';
import { renderChart, withReleaseFiles } from './support/istio-injector/helm-render';
import { SidecarInjector } from './support/istio-injector/sidecar-injector';

type Json = Record<string, any>;

const FIXTURES = fileURLToPath(new URL('./fixtures/istio-injector', import.meta.url));
const read = (file: string) => fs.readFileSync(path.join(FIXTURES, file), 'utf8');
const WORKLOAD_KINDS = ['Deployment', 'DaemonSet', 'StatefulSet', 'Job', 'ReplicaSet', 'ReplicationController', 'Pod'];

/** The injectable documents of a fixture file, List items expanded (as Istio's splitYamlFile does). */
function workloads(file: string): Json[] {
  return (yaml.loadAll(read(file)) as Json[]).filter(Boolean)
    .flatMap((doc) => (doc.kind === 'List' ? doc.items as Json[] : [doc]))
    .filter((doc) => WORKLOAD_KINDS.includes(doc.kind));
}

/** The workload's pod template as a pod, as TestHelmInject (1.1-1.8) offered it to the webhook. */
function templatePod(workload: Json): Json {
  if (workload.kind === 'Pod') return JSON.parse(JSON.stringify(workload));
  return { apiVersion: 'v1', kind: 'Pod', metadata: JSON.parse(JSON.stringify(workload.spec.template.metadata ?? {})), spec: JSON.parse(JSON.stringify(workload.spec.template.spec)) };
}

/**
 * Differences of representation only: Go writes empty structs the API server fills at runtime
 * (`creationTimestamp: null`, `status: {}`, a container's `resources: {}`), and the namespace comes from the
 * admission request, which the golden templates do not carry.
 */
function withoutRepresentation(pod: Json): Json {
  const copy = JSON.parse(JSON.stringify(pod)) as Json;
  delete copy.metadata.creationTimestamp;
  delete copy.metadata.namespace;
  if (copy.status && Object.keys(copy.status).length === 0) delete copy.status;
  for (const container of [...(copy.spec.containers ?? []), ...(copy.spec.initContainers ?? [])]) {
    if (container.resources && Object.keys(container.resources).length === 0) delete container.resources;
  }
  return copy;
}

/**
 * What the 1.1-1.8 webhook test itself ignores (webhook_test.go normalizeAndCompareDeployments): the status
 * annotation's template hash, the istio-certs volume's defaultMode, the images and termination message settings of
 * istio-init and istio-proxy, istio-init's privileged flag, fieldRef apiVersions, ISTIO_METAJSON_* env values.
 */
function withoutLegacyTestIgnores(pod: Json): Json {
  const copy = withoutRepresentation(pod);
  // Istio's test copies the wanted status over the produced one: the goldens' status lists are not kept current
  // (1.4.10 user-volume.yaml.injected lists no user volumes, which InjectionData does add to the status).
  copy.metadata.annotations['sidecar.istio.io/status'] = '(ignored, as by Istio\'s test)';
  for (const container of [...(copy.spec.containers ?? []), ...(copy.spec.initContainers ?? [])]) {
    if (container.name !== 'istio-init' && container.name !== 'istio-proxy') continue;
    delete container.image;
    delete container.terminationMessagePath;
    delete container.terminationMessagePolicy;
    if (container.name === 'istio-init' && container.securityContext) delete container.securityContext.privileged;
    if (container.name === 'istio-proxy') {
      container.env = (container.env ?? []).filter((env: Json) => !String(env.name).startsWith('ISTIO_METAJSON_'));
      for (const env of container.env) if (env.valueFrom?.fieldRef) delete env.valueFrom.fieldRef.apiVersion;
    }
  }
  for (const volume of copy.spec.volumes ?? []) if (volume.name === 'istio-certs' && volume.secret) delete volume.secret.defaultMode;
  return copy;
}

const DEFAULT_NAMESPACE = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { 'istio-injection': 'enabled' } } };

/** The injector ConfigMap of the release's `istio` chart (1.1-1.5) with default values, as TestHelmInject made it. */
function helmInjectorConfigMap(tag: string): Json {
  // The gateways sub-chart of 1.1.0-1.4.7 and 1.5.0 does not render with Helm 3; the injector ConfigMap does not use it.
  const objects = renderChart(tag, { chart: 'install/kubernetes/helm/istio', args: ['--set', 'gateways.enabled=false', '--show-only', 'templates/sidecar-injector-configmap.yaml'] });
  const configMap = objects.find((object) => object.kind === 'ConfigMap' && object.metadata?.name === 'istio-sidecar-injector');
  if (!configMap) throw new Error(`the Istio ${tag} chart rendered no istio-sidecar-injector ConfigMap`);
  return configMap;
}

/** The istio-discovery chart (1.6+) rendered with the `default` profile's values (hub, tag, values, meshConfig). */
function profileInstall(tag: string): Json[] {
  const profile = withReleaseFiles(tag, ['manifests/profiles'], (root) => yaml.load(fs.readFileSync(path.join(root, 'manifests/profiles/default.yaml'), 'utf8')) as Json);
  const values: Json = JSON.parse(JSON.stringify(profile.spec.values ?? {}));
  values.global = { ...(values.global ?? {}), hub: profile.spec.hub, tag: profile.spec.tag };
  if (profile.spec.meshConfig) values.meshConfig = profile.spec.meshConfig;
  return renderChart(tag, { chart: 'manifests/charts/istio-control/istio-discovery', values, valueFiles: ['manifests/charts/global.yaml'] });
}

describe('Istio 1.1.17 and 1.4.10 webhook goldens (TestHelmInject)', () => {
  const cases: Array<[string, string, string]> = [
    ['1.1.17', 'hello.yaml', 'hello-config-map-name.yaml.injected'],
    ['1.1.17', 'traffic-annotations.yaml', 'traffic-annotations.yaml.injected'],
    ['1.1.17', 'status_annotations.yaml', 'status_annotations.yaml.injected'],
    ['1.4.10', 'hello.yaml', 'hello-config-map-name.yaml.injected'],
    ['1.4.10', 'traffic-annotations.yaml', 'traffic-annotations.yaml.injected'],
    ['1.4.10', 'resource_annotations.yaml', 'resource_annotations.yaml.injected'],
    ['1.4.10', 'user-volume.yaml', 'user-volume.yaml.injected'],
  ];
  const injectors = new Map<string, SidecarInjector>();
  const injectorOf = (tag: string) => {
    if (!injectors.has(tag)) {
      const configMap = helmInjectorConfigMap(tag);
      injectors.set(tag, SidecarInjector.fromSettings({ release: tag, config: configMap.data.config, values: configMap.data.values, mesh: '' }));
    }
    return injectors.get(tag)!;
  };

  test.each(cases)('%s %s gives %s', (tag, input, golden) => {
    const injector = injectorOf(tag);
    const inputs = workloads(`${tag}/webhook/${input}`);
    const wants = workloads(`${tag}/webhook/${golden}`);
    expect(inputs).toHaveLength(wants.length);
    inputs.forEach((workload, i) => {
      const result = injector.inject(templatePod(workload), DEFAULT_NAMESPACE);
      expect(result.injected).toBe(true);
      expect(withoutLegacyTestIgnores(result.pod)).toEqual(withoutLegacyTestIgnores(templatePod(wants[i])));
    });
  });

  test('1.1 renders its runtime template parts with [[ ]] delimiters, which the injector evaluates', () => {
    const config = helmInjectorConfigMap('1.1.17').data.config as string;
    expect(config).toContain('[[ annotation .ObjectMeta `sidecar.istio.io/interceptionMode` .ProxyConfig.InterceptionMode ]]');
    const result = injectorOf('1.1.17').inject(templatePod(workloads('1.1.17/webhook/hello.yaml')[0]), DEFAULT_NAMESPACE);
    expect(JSON.stringify(result.pod)).not.toContain('[[');
  });
});

describe('Istio 1.9.9 and 1.30.3 injection goldens (TestInjection, default profile)', () => {
  const cases: Array<[string, string]> = [
    ['1.9.9', 'hello.yaml'],
    ['1.9.9', 'traffic-annotations.yaml'],
    ['1.9.9', 'user-volume.yaml'],
    ['1.9.9', 'hello-multi.yaml'],
    ['1.30.3', 'hello.yaml'],
    ['1.30.3', 'gateway.yaml'],
    ['1.30.3', 'native-sidecar-opt-out.yaml'],
    ['1.30.3', 'hello-proxy-override.yaml'],
  ];
  const injectors = new Map<string, SidecarInjector>();
  const injectorOf = (tag: string) => {
    // Istio's test cluster has no nodes, which 1.27+ reads as native-sidecar capable (the option's default).
    if (!injectors.has(tag)) injectors.set(tag, SidecarInjector.fromAppliedObjects(profileInstall(tag), { release: tag }));
    return injectors.get(tag)!;
  };

  test.each(cases)('%s %s', (tag, input) => {
    const injector = injectorOf(tag);
    const inputs = workloads(`${tag}/inject/${input}`);
    const wants = workloads(`${tag}/inject/${input}.injected`);
    expect(inputs).toHaveLength(wants.length);
    inputs.forEach((workload, i) => {
      const result = injector.inject(admittedPod(workload), DEFAULT_NAMESPACE);
      expect(result.injected).toBe(true);
      // The chart's own webhook selects the pod through the namespace's istio-injection label.
      expect(result.webhooks.map((webhook) => webhook.webhook).every((name) => name.endsWith('sidecar-injector.istio.io'))).toBe(true);
      expect(withoutRepresentation(result.pod)).toEqual(withoutRepresentation(admittedPod(wants[i])));
    });
  });
});

describe('Istio 1.14.6 and 1.22.8 injection goldens (TestInjection, testdata/inputs)', () => {
  const cases: Array<[string, string, string, string]> = [
    ['1.14.6', 'hello.yaml', 'hello.yaml.injected', 'default'],
    ['1.14.6', 'hello.yaml', 'hello.yaml.cni.injected', 'hello.yaml.0'],
    ['1.14.6', 'gateway.yaml', 'gateway.yaml.injected', 'default'],
    ['1.22.8', 'hello.yaml', 'hello.yaml.injected', 'default'],
    ['1.22.8', 'hello.yaml', 'hello.yaml.cni.injected', 'hello.yaml.0'],
    ['1.22.8', 'gateway.yaml', 'gateway.yaml.injected', 'default'],
    ['1.22.8', 'multiple-templates.yaml', 'multiple-templates.yaml.injected', 'default'],
  ];

  test.each(cases)('%s %s gives %s (inputs %s)', (tag, input, golden, settings) => {
    // The CNI case's template and mesh inputs are the same git blobs as the default ones (see the fixtures' README).
    const injector = SidecarInjector.fromSettings({
      release: tag,
      config: read(`${tag}/inputs/default.template.gen.yaml`),
      values: read(`${tag}/inputs/${settings}.values.gen.yaml`),
      mesh: read(`${tag}/inputs/default.mesh.gen.yaml`),
    });
    const inputs = workloads(`${tag}/inject/${input}`);
    const wants = workloads(`${tag}/inject/${golden}`);
    expect(inputs).toHaveLength(wants.length);
    inputs.forEach((workload, i) => {
      const result = injector.inject(admittedPod(workload), DEFAULT_NAMESPACE);
      expect(result.injected).toBe(true);
      expect(withoutRepresentation(result.pod)).toEqual(withoutRepresentation(admittedPod(wants[i])));
    });
  });
});
