/**
 * The fake sidecar injector on every release folder of test/fixtures/istio-upstream: the release's own control-plane
 * chart rendered with Helm 3 (the `istio` chart 1.1-1.5, istio-discovery 1.6+), with the LightStep tracer (1.1-1.14)
 * and with and without Istio CNI, and Bookinfo's productpage Deployment created in a namespace labelled for injection.
 *
 * Expected values come from outside the injector: the mount path is Go's path.Split of the CA path ("Split splits
 * path immediately following the final slash", so the directory keeps its trailing slash); the CNI keys are the
 * ones the release's own injection template reads.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { UPSTREAM_RELEASES, UpstreamRelease, compareReleases } from './support/istio-upstream';
import { admittedPod } from './support/istio-injector/admitted-pod';
import { RenderOptions, controlPlaneChart, renderCharts } from './support/istio-injector/helm-render';
import { atLeast } from './support/istio-injector/releases';
import { SidecarInjector } from './support/istio-injector/sidecar-injector';

type Json = Record<string, any>;

const CACERT_PATH = '/etc/lightstep/cacert.pem';
/** path.Split("/etc/lightstep/cacert.pem") in Go: dir "/etc/lightstep/", file "cacert.pem". */
const CACERT_DIRECTORY = '/etc/lightstep/';
const SATELLITE = 'lightstep-satellite.lightstep:9292';
const TOKEN = 'test-token-not-a-secret';

const BOOKINFO = fileURLToPath(new URL('./fixtures/bookinfo-1.30.3/platform/bookinfo.yaml', import.meta.url));
const productpage = (yaml.loadAll(fs.readFileSync(BOOKINFO, 'utf8')) as Json[])
  .find((object) => object?.kind === 'Deployment' && object.metadata?.name === 'productpage-v1')!;
const NAMESPACE = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bookinfo', labels: { 'istio-injection': 'enabled' } } };

const usesLightstep = (tag: string) => !atLeast(tag, '1.15');

/** Values that turn the LightStep tracer on, where each generation of the charts reads them. */
function lightstepValues(tag: string): Json {
  if (!usesLightstep(tag)) return {};
  const global = { proxy: { tracer: 'lightstep' }, tracer: { lightstep: { address: SATELLITE, accessToken: TOKEN, secure: true, cacertPath: CACERT_PATH } } };
  if (!atLeast(tag, '1.6')) return { global };
  return {
    global,
    meshConfig: { defaultConfig: { tracing: { lightstep: { address: SATELLITE, accessToken: TOKEN }, tlsSettings: { mode: 'SIMPLE', caCertificates: CACERT_PATH } } } },
  };
}

/** The values that turn CNI on: every `.Values.<key>.enabled` CNI switch the release's injection template reads. */
function cniValues(tag: string): Json {
  const template = UpstreamRelease.of(tag).injectionTemplate;
  const values: Json = {};
  if (template.includes('.Values.istio_cni.enabled')) values.istio_cni = { enabled: true };
  if (template.includes('.Values.pilot.cni.enabled')) values.pilot = { cni: { enabled: true } };
  if (Object.keys(values).length === 0) throw new Error(`the Istio ${tag} injection template reads no CNI switch`);
  return values;
}

function merge(...parts: Json[]): Json {
  const out: Json = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      out[key] = value && typeof value === 'object' && !Array.isArray(value) && out[key] ? merge(out[key], value) : value;
    }
  }
  return out;
}

function renderOptions(tag: string, values: Json): RenderOptions {
  // The gateways sub-chart of 1.1.0-1.4.7 and 1.5.0 does not render with Helm 3; the injector does not need it.
  const extra = atLeast(tag, '1.6') ? {} : { gateways: { enabled: false } };
  return { chart: controlPlaneChart(tag), values: merge(values, extra), valueFiles: ['manifests/charts/global.yaml'] };
}

interface Outcome {
  readonly plain: Json;
  readonly cni: Json;
}

const outcomes = new Map<string, Outcome>();

beforeAll(async () => {
  const pending = [...UPSTREAM_RELEASES];
  const worker = async () => {
    for (let tag = pending.shift(); tag; tag = pending.shift()) {
      const [plain, cni] = await renderCharts(tag, [
        renderOptions(tag, lightstepValues(tag)),
        renderOptions(tag, merge(lightstepValues(tag), cniValues(tag))),
      ]);
      const inject = (objects: Json[]) => SidecarInjector.fromAppliedObjects(objects, { release: tag }).inject(admittedPod(productpage), NAMESPACE);
      const [withoutCni, withCni] = [inject(plain), inject(cni)];
      if (!withoutCni.injected || !withCni.injected) throw new Error(`Istio ${tag}: productpage not injected (${withoutCni.reason}; ${withCni.reason})`);
      outcomes.set(tag, { plain: withoutCni.pod, cni: withCni.pod });
    }
  };
  await Promise.all([worker(), worker()]);
}, 120_000);

const proxyOf = (pod: Json) => [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])].find((container: Json) => container.name === 'istio-proxy');
const initNames = (pod: Json) => (pod.spec.initContainers ?? []).map((container: Json) => container.name);

describe.each(UPSTREAM_RELEASES)('Istio %s injects Bookinfo', (tag) => {
  test('with a proxy, and with istio-init unless CNI is on', () => {
    const { plain, cni } = outcomes.get(tag)!;
    expect(proxyOf(plain)).toBeDefined();
    expect(proxyOf(cni)).toBeDefined();
    expect(initNames(plain)).toContain('istio-init');
    expect(initNames(cni)).not.toContain('istio-init');
  });

  if (usesLightstep(tag)) {
    test('mounting lightstep.cacert at the directory of the CA path, as Go\'s path.Split gives it', () => {
      for (const pod of Object.values(outcomes.get(tag)!)) {
        const mounts = (proxyOf(pod).volumeMounts ?? []).filter((mount: Json) => mount.name === 'lightstep-certs');
        expect(mounts).toEqual([expect.objectContaining({ mountPath: CACERT_DIRECTORY })]);
        const volume = (pod.spec.volumes ?? []).find((candidate: Json) => candidate.name === 'lightstep-certs');
        expect(volume?.secret).toEqual(expect.objectContaining({ secretName: 'lightstep.cacert', optional: true }));
      }
    });
  } else {
    test('without the LightStep CA volume, the tracer not being lightstep', () => {
      for (const pod of Object.values(outcomes.get(tag)!)) {
        expect((pod.spec.volumes ?? []).map((volume: Json) => volume.name)).not.toContain('lightstep-certs');
      }
    });
  }
});

test('the charts of every release folder were rendered', () => {
  expect([...outcomes.keys()].sort(compareReleases)).toEqual(UPSTREAM_RELEASES);
  expect(path.basename(BOOKINFO)).toBe('bookinfo.yaml');
});
