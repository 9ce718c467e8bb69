/**
 * Every INSTALL.md executed as a user pastes it (test/support/install-run): for every release of the chart fixtures
 * and every route its notes offer, with a real Helm 3 rendering that release's own charts, then what the cluster
 * received checked as one set. A failing run prints the block, the command and the output.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { appliedSetProblems, AskedFor } from './support/install-run/applied-set';
import { istioPodInjector } from './support/istio-injector/pod-injector';
import { cleanupBlocks, parseInstallNotes } from './support/install-run/install-notes';
import { chartReleases, INSTALL_RUN_TOKEN, InstallRun, runInstall } from './support/install-run/run-install';
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Bookinfo, CaCertificate, IstioRelease, LightstepCaCertSecret, LightstepInstallGuide, LightstepTracing, MeshNamespace } from '../src';
import { capturingWarnings, emptyWorkspace, removeTempDirs, synthesizeInto, tempDir, writeConfig } from './support/run-app';

const CA = path.resolve('test/fixtures/certs/valid-ca.pem');
const TOKEN = INSTALL_RUN_TOKEN;
const tools = { helm: process.env.CDK8S_ISTIO_LIGHTSTEP_HELM!, kubectl: process.env.CDK8S_ISTIO_LIGHTSTEP_KUBECTL! };
afterAll(removeTempDirs);

interface Case {
  readonly release: string;
  readonly config: string;
  readonly asked: AskedFor;
}

/** A configuration file for a release, and what it asks for. */
function configFor(release: string, extra: { namespace?: string; revision?: string; ingress?: string; bookinfoNamespace?: string; routing?: string; restricted?: boolean } = {}): Case {
  const lines = [
    'istio:', `  release: "${release}"`,
    ...(extra.namespace ? [`  namespace: ${extra.namespace}`] : []),
    ...(extra.revision ? [`  revision: ${extra.revision}`] : []),
    'lightstep:', '  address: lightstep-satellite.lightstep:9292', `  caCertificateFile: ${JSON.stringify(CA)}`,
    'bookinfo:', `  namespace: ${extra.bookinfoNamespace ?? 'default'}`, ...(extra.ingress ? [`  ingress: ${extra.ingress}`] : []),
    ...(extra.routing ? [`  routing: ${extra.routing}`] : []), ...(extra.restricted ? ['  restrictedPodSecurity: true'] : []),
  ];
  return {
    release,
    config: `${lines.join('\n')}\n`,
    asked: {
      address: 'lightstep-satellite.lightstep:9292', secure: true, cacertPath: '/etc/lightstep/cacert.pem',
      istioNamespace: extra.namespace ?? 'istio-system', revision: extra.revision, bookinfoNamespace: extra.bookinfoNamespace ?? 'default',
      token: TOKEN, ingressGatewayLabels: (extra.ingress ?? 'istio-gateway') === 'istio-gateway' ? { istio: 'ingressgateway' } : undefined,
    },
  };
}

/** Synthesizes a case into a fresh dist folder. */
function synthesized(c: Case): string {
  const workspace = emptyWorkspace();
  const file = writeConfig(workspace, c.config);
  capturingWarnings(() => synthesizeInto(file, workspace.outputRoot));
  return workspace.outputRoot;
}

function routesOf(dist: string): (string | undefined)[] {
  const routes = parseInstallNotes(fs.readFileSync(path.join(dist, 'INSTALL.md'), 'utf8')).routes;
  return routes.length ? [...routes] : [undefined];
}

async function install(c: Case, dist: string, route: string | undefined, editNotes?: (markdown: string) => string): Promise<InstallRun> {
  return runInstall({ distDir: dist, release: c.release, route, tools, injector: () => istioPodInjector(c.release), editNotes });
}

/** Runs every route of a case and expects each to pass, with an applied set that passes its checks. */
async function expectInstalls(c: Case): Promise<void> {
  const dist = synthesized(c);
  for (const route of routesOf(dist)) {
    const run = await install(c, dist, route);
    try {
      if (run.failure) throw new Error(`Istio ${c.release}${route ? `, route ${route}` : ''}: ${run.failure}`);
      expect({ route, problems: appliedSetProblems(run, c.asked) }).toEqual({ route, problems: [] });
      // verify.sh, step 6, only reads the cluster.
      const verifyBlock = run.blocks.findIndex((block) => block.text.trim() === './verify.sh') + 1;
      const verifyCalls = run.log.filter((call) => call.block === verifyBlock);
      expect(verifyCalls.length).toBeGreaterThan(5);
      expect(verifyCalls.filter((call) => call.tool !== 'curl' && !(call.tool === 'kubectl' && /^(-n \S+ )?(get|exec) /.test(`${call.args.join(' ')} `))))
        .toEqual([]);
    } finally {
      await run.dispose();
    }
  }
}

describe('INSTALL.md runs to the end, every route, and the cluster gets a working set', () => {
  test.each(chartReleases())('Istio %s', async (release) => {
    await expectInstalls(configFor(release));
  }, 120_000);
});

describe('the Helm 3 fix of the 1.1.0-1.4.7 and 1.5.0 gateway templates', () => {
  const TEMPLATES = 'install/kubernetes/helm/istio/charts/gateways/templates';
  const charts = path.join('test', 'fixtures', 'istio-charts');
  /** The release's archive unpacked into a fresh folder; returns its release folder. */
  const unpacked = (tag: string) => {
    const folder = tempDir();
    execFileSync('tar', ['-xzf', path.join(charts, `istio-${tag}.tar.gz`), '-C', folder]);
    return path.join(folder, `istio-${tag}`);
  };
  /** The block of INSTALL.md that applies the fix, for a release whose notes have one. */
  const fixBlock = (tag: string) => parseInstallNotes(fs.readFileSync(path.join(synthesized(configFor(tag)), 'INSTALL.md'), 'utf8'))
    .blocks.find((block) => block.text.includes('perl -0pi'))?.text;

  test.each([['1.4.7', '1.4.8'], ['1.5.0', '1.5.1']])('Istio %s: the step turns both templates into upstream\'s fixed ones of %s, byte for byte, and a second run changes nothing', (tag, fixed) => {
    const block = fixBlock(tag)!;
    expect(block).toBeDefined();
    const istioDir = unpacked(tag);
    const upstream = unpacked(fixed);
    for (let run = 0; run < 2; run++) {
      execFileSync('bash', ['-eo', 'pipefail', '-c', block], { env: { ...process.env, ISTIO_DIR: istioDir } });
      for (const template of ['role.yaml', 'rolebindings.yaml']) {
        expect(fs.readFileSync(path.join(istioDir, TEMPLATES, template), 'utf8')).toBe(fs.readFileSync(path.join(upstream, TEMPLATES, template), 'utf8'));
      }
    }
  });

  test('Istio 1.4.8 and 1.5.1, fixed upstream, get no such step', () => {
    expect(fixBlock('1.4.8')).toBeUndefined();
    expect(fixBlock('1.5.1')).toBeUndefined();
  });
});

describe('a custom Istio namespace and revision reach istioctl and Helm', () => {
  test.each(['1.9.9', '1.12.9', '1.22.8', '1.30.3'])('Istio %s, istio.namespace istio-control, istio.revision 1-x', async (release) => {
    await expectInstalls(configFor(release, { namespace: 'istio-control', revision: '1-x' }));
  }, 120_000);
});

describe('the Gateway API ingress installs and routes', () => {
  test.each(['1.16.1', '1.22.8', '1.30.3'])('Istio %s', async (release) => {
    await expectInstalls(configFor(release, { ingress: 'gateway-api', bookinfoNamespace: 'bookinfo' }));
  }, 120_000);
});

describe('Gateway API mesh routing installs the CRDs its routes need', () => {
  test.each(['1.16.1', '1.18.7', '1.21.6', '1.22.8'])('Istio %s, routing reviews-v3', async (release) => {
    await expectInstalls(configFor(release, { ingress: 'gateway-api', bookinfoNamespace: 'bookinfo', routing: 'reviews-v3' }));
  }, 120_000);
});

describe('restricted Pod Security: Istio CNI on both routes, and every pod of the applied set admitted', () => {
  test.each(['1.22.8', '1.30.3'])('Istio %s, Istio Gateway ingress', async (release) => {
    await expectInstalls(configFor(release, { bookinfoNamespace: 'bookinfo', restricted: true }));
  }, 120_000);

  test.each(['1.22.8', '1.30.3'])('Istio %s, Gateway API ingress: the gateway pod istiod deploys in the restricted namespace', async (release) => {
    await expectInstalls(configFor(release, { bookinfoNamespace: 'bookinfo', restricted: true, ingress: 'gateway-api' }));
  }, 120_000);

  test('without Istio CNI, the injected istio-init is refused and INSTALL.md stops at the wait (1.30.3, istioctl)', async () => {
    const c = configFor('1.30.3', { bookinfoNamespace: 'bookinfo', restricted: true });
    const dist = synthesized(c);
    // The IstioOperator as if it left CNI off: what the product wrote before it turned CNI on.
    const operator = path.join(dist, 'istio', 'istio-operator.yaml');
    const spec = (yaml.load(fs.readFileSync(operator, 'utf8')) as any).spec;
    expect(spec.components.cni.enabled).toBe(true);
    delete spec.components;
    delete spec.values;
    fs.writeFileSync(operator, yaml.dump({ apiVersion: 'install.istio.io/v1alpha1', kind: 'IstioOperator', metadata: { name: 'lightstep-tracing' }, spec }));
    const run = await install(c, dist, 'istioctl', (markdown) => markdown.replace(/^kubectl -n kube-system rollout status daemonset\/istio-cni-node .*\n/m, ''));
    try {
      expect(run.failure).toMatch(/wait --for=condition=available[\s\S]*violates PodSecurity "restricted:latest"[\s\S]*istio-init/);
    } finally {
      await run.dispose();
    }
  }, 120_000);
});

describe('a library user\'s install and clean-up: only what the library made goes', () => {
  test('the README\'s composition on 1.9.9: after the clean-up the user\'s namespace, Deployment and CA Secret are still there', async () => {
    const root = tempDir();
    const app = new App({ outdir: path.join(root, 'manifests') });
    const chart = new Chart(app, 'platform');
    const ca = CaCertificate.fromFile(CA);
    const tracing = new LightstepTracing(chart, 'tracing', { istioRelease: IstioRelease.of('1.9.9'), address: 'lightstep-satellite.lightstep:9292', caCertificate: ca, applicationNamespaces: ['shop'] });
    const bookinfo = new Bookinfo(chart, 'bookinfo', { namespace: 'shop' });
    new MeshNamespace(chart, 'payments-namespace', { name: 'payments' });
    const secret = LightstepCaCertSecret.of(chart, 'ca', { namespace: 'payments', certificate: ca });
    // No port: cdk8s-plus would add a startup probe on it, whose rewrite by Istio's injector the fake injector does not model.
    const deployment = new kplus.Deployment(chart, 'payments', { metadata: { namespace: 'payments' }, containers: [{ image: 'example/payments:1.0' }] });
    secret.mountInto(deployment.containers[0]);
    app.synth();
    new LightstepInstallGuide({ tracing, bookinfo }).writeTo(root);
    const notes = fs.readFileSync(path.join(root, 'INSTALL.md'), 'utf8');
    expect(notes).toContain('Your own objects in `manifests/platform.k8s.yaml` and their namespaces are left as they are.');
    const c = { ...configFor('1.9.9', { bookinfoNamespace: 'shop' }), asked: { ...configFor('1.9.9').asked, bookinfoNamespace: 'shop' } };
    const run = await install(c, root, 'istioctl');
    try {
      if (run.failure) throw new Error(run.failure);
      const cleanup = await run.shell(cleanupBlocks(notes, 'istioctl').map((block) => block.text).join('\n'));
      if (cleanup.code !== 0) throw new Error(`the clean-up failed:\n${cleanup.output}`);
      const left = (kind: string, namespace: string | undefined, name: string) => run.cluster.get(kind, namespace, name) !== undefined;
      expect({
        payments: left('Namespace', undefined, 'payments'),
        paymentsSecret: left('Secret', 'payments', 'lightstep.cacert'),
        paymentsDeployment: run.cluster.list('Deployment', 'payments').length,
        shop: left('Namespace', undefined, 'shop'),
        istioSystem: left('Namespace', undefined, 'istio-system'),
      }).toEqual({ payments: true, paymentsSecret: true, paymentsDeployment: 1, shop: false, istioSystem: false });
    } finally {
      await run.dispose();
    }
  }, 120_000);
});

describe('an ingress gateway of another name and labels (LightstepTracing ingressGatewayName, ingressGatewayLabels) is installed so on every route', () => {
  test.each(['1.6.0', '1.7.0', '1.9.9', '1.11.8', '1.14.6'])('Istio %s, every route', async (release) => {
    const root = tempDir();
    const app = new App({ outdir: path.join(root, 'manifests') });
    const namespaces = new Chart(app, '0000-namespaces');
    const chart = new Chart(app, '0001-platform');
    chart.addDependency(namespaces);
    new MeshNamespace(namespaces, 'default', { name: 'default' });
    const tracing = new LightstepTracing(chart, 'tracing', {
      istioRelease: IstioRelease.of(release), address: 'lightstep-satellite.lightstep:9292', caCertificate: CaCertificate.fromFile(CA),
      ingressGatewayName: 'edge-gateway', ingressGatewayLabels: { istio: 'edge' },
    });
    // No selector: Bookinfo's Gateway selects the labels the tracing gives its gateway.
    const bookinfo = new Bookinfo(chart, 'bookinfo', { namespace: 'default', createNamespace: false });
    app.synth();
    new LightstepInstallGuide({ tracing, bookinfo }).writeTo(root);
    const c = { ...configFor(release), asked: { ...configFor(release).asked, ingressGatewayLabels: { istio: 'edge' } } };
    for (const route of routesOf(root)) {
      const run = await install(c, root, route);
      try {
        if (run.failure) throw new Error(`Istio ${release}, route ${route}: ${run.failure}`);
        expect(run.cluster.get('Deployment', 'istio-system', 'edge-gateway')?.spec.template.metadata.labels).toEqual(expect.objectContaining({ istio: 'edge' }));
        expect({ route, problems: appliedSetProblems(run, c.asked) }).toEqual({ route, problems: [] });
      } finally {
        await run.dispose();
      }
    }
  }, 120_000);
});

describe('planted faults fail the run or the checks', () => {
  test('the ingress gateway restarted before kubectl apply creates its CA Secret (1.9.9): the gateway runs without its CA', async () => {
    const c = configFor('1.9.9');
    const dist = synthesized(c);
    const run = await install(c, dist, 'istioctl', (markdown) => {
      const restart = /^# the ingress gateway started before.*\n.*rollout restart.*\n/m.exec(markdown)![0];
      return markdown.replace(restart, '').replace('kubectl apply -f manifests/\n', `${restart}kubectl apply -f manifests/\n`);
    });
    try {
      expect(appliedSetProblems(run, c.asked)).toContainEqual(expect.stringMatching(/^pod istio-system\/istio-ingressgateway-\S+ started \(t=\d+\) before Secret lightstep.cacert existed/));
    } finally {
      await run.dispose();
    }
  }, 120_000);

  test('the token copied into a ConfigMap of the collector namespace (1.30.3) is found there', async () => {
    const c = configFor('1.30.3');
    const dist = synthesized(c);
    const run = await install(c, dist, 'istioctl', (markdown) => markdown.replace('## 3. Apply the manifests\n',
      '## 3. Apply the manifests\n\n```sh\nkubectl -n observability create configmap copy --from-literal=token="$LIGHTSTEP_ACCESS_TOKEN" --dry-run=client -o yaml | kubectl apply -f -\n```\n'));
    try {
      expect(appliedSetProblems(run, c.asked)).toContain('the access token is in ConfigMap observability/copy');
    } finally {
      await run.dispose();
    }
  }, 120_000);
});
