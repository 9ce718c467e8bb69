/**
 * Checks a synthesized configuration against the Istio release's own files (see istio-upstream.ts): every Helm
 * value and mesh config key exists there, the injector mounts the Secret the output creates, every apiVersion is
 * served, every chart and path INSTALL.md names exists, the tracer is compiled into the proxy, every collector
 * component is in the collector build, every overlay path can be applied. It reads only the output, never the
 * product's tables, so it works on any synthesized folder, inside the repository or not.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { listFiles } from './run-app';
import { COLLECTOR_MANIFEST, GATEWAY_API_SERVED, resolveMessage, UpstreamRelease } from './istio-upstream';

/** The values file of the ingress gateway chart (src/tracing/_install-inputs.ts writes it for the Helm route). */
const GATEWAY_VALUES_FILE = 'gateway-helm-values.yaml';
/** The values file of the base chart, written for a control plane outside istio-system or of a revision. */
const BASE_VALUES_FILE = 'base-helm-values.yaml';
/** The values files of the charts ambient mode adds (istio/cni, istio/ztunnel), and the archive folder of each. */
const NODE_CHART_VALUES: Record<string, string> = {
  'cni-helm-values.yaml': 'manifests/charts/istio-cni',
  'ztunnel-helm-values.yaml': 'manifests/charts/ztunnel',
};
const ISTIOD_CHART = 'manifests/charts/istio-control/istio-discovery';

/** What one synthesis produced: the manifests, the Istio install inputs by file name, and INSTALL.md. */
export interface SynthesizedOutput {
  readonly objects: any[];
  readonly installInputs: Record<string, any>;
  readonly installNotes: string;
  /** Every file of the output folder, relative to the folder of INSTALL.md, '/'-separated. */
  readonly files: string[];
}

/** Reads a synthesized folder: manifests/*.yaml, istio/*.yaml and INSTALL.md. */
export function readOutputFolder(dir: string): SynthesizedOutput {
  const yamlFiles = (folder: string) => fs.existsSync(path.join(dir, folder))
    ? fs.readdirSync(path.join(dir, folder)).filter((file) => file.endsWith('.yaml')).sort() : [];
  const objects = yamlFiles('manifests').flatMap((file) =>
    yaml.loadAll(fs.readFileSync(path.join(dir, 'manifests', file), 'utf8')).filter((doc) => doc));
  const installInputs = Object.fromEntries(yamlFiles('istio').map((file) =>
    [file, yaml.load(fs.readFileSync(path.join(dir, 'istio', file), 'utf8'))]));
  return { objects, installInputs, installNotes: fs.readFileSync(path.join(dir, 'INSTALL.md'), 'utf8'), files: listFiles(dir) };
}

/** The Istio release an INSTALL.md is written for, from its title. */
export function releaseOfInstallNotes(notes: string): string {
  const match = /^# .*Istio (\d+\.\d+(?:\.\d+)?)\s*$/m.exec(notes);
  if (!match) throw new Error('INSTALL.md names no Istio release in its title');
  return match[1];
}

/** Every way `output` disagrees with the files of `upstream`, one readable line each; empty when none. */
export function upstreamProblems(output: SynthesizedOutput, upstream: UpstreamRelease): string[] {
  const problems: string[] = [];
  const context = new CheckContext(output, upstream, problems);
  context.checkInstallInputs();
  context.checkApiVersions();
  context.checkTracer();
  context.checkInjectorMounts();
  context.checkCollector();
  context.checkOverlays();
  context.checkInstallNotes();
  context.checkProfiles();
  return problems;
}

class CheckContext {
  private readonly release: string;

  public constructor(private readonly output: SynthesizedOutput, private readonly upstream: UpstreamRelease, private readonly problems: string[]) {
    this.release = `Istio ${upstream.tag}`;
  }

  /** Helm values (the istio chart, istiod values, IstioOperator spec.values) and mesh config of every install input. */
  public checkInstallInputs(): void {
    for (const [file, content] of Object.entries(this.output.installInputs)) {
      if (content?.kind === 'IstioOperator') {
        const spec = content.spec ?? {};
        // values and meshConfig are free-form structs in operator.proto: they are checked against values.yaml and the mesh protos.
        const shape = Object.fromEntries(Object.entries(spec).map(([key, value]) => [key, key === 'values' || key === 'meshConfig' ? null : value]));
        this.checkProto(`${file} spec`, shape, 'operator', 'IstioOperatorSpec');
        if (spec.values) this.checkValues(`${file} spec.values`, spec.values, []);
        if (spec.meshConfig) this.checkProto(`${file} spec.meshConfig`, spec.meshConfig, 'mesh', 'MeshConfig');
      } else if (file === GATEWAY_VALUES_FILE) {
        this.checkChartValues(file, content ?? {}, this.gatewayChartFolder(), []);
      } else if (file === BASE_VALUES_FILE) {
        this.checkChartValues(file, content ?? {}, 'manifests/charts/base', []);
      } else if (NODE_CHART_VALUES[file]) {
        const { profile, ...values } = content ?? {};
        this.checkChartValues(file, values, NODE_CHART_VALUES[file], []);
      } else {
        // `profile` is read by the chart's zzz_profile.yaml, not declared in values.yaml: checkProfiles checks it.
        const { profile, ...values } = content ?? {};
        this.checkValues(file, values, []);
      }
    }
    for (const object of this.output.objects.filter((o) => o.kind === 'Telemetry')) {
      this.checkProto(`Telemetry ${object.metadata.namespace}/${object.metadata.name} spec`, object.spec ?? {}, 'telemetry', 'Telemetry');
    }
  }

  /** The ingress gateway chart the Helm route installs: the archive's gateways/istio-ingress before 1.12, istio/gateway after. */
  private gatewayChartFolder(): string {
    return this.upstream.chartFiles.has('manifests/charts/gateway/values.yaml') ? 'manifests/charts/gateway' : 'manifests/charts/gateways/istio-ingress';
  }

  /** Every key of `values` is a value of the chart in `folder` (its values.yaml, with the chart's free-form maps and lists taken whole). */
  private checkChartValues(where: string, values: Record<string, any>, folder: string, keyPath: string[]): void {
    const chartValues = this.upstream.chartValues(folder);
    if (!chartValues) {
      this.problems.push(`${where}: ${this.release} has no chart ${folder}`);
      return;
    }
    for (const [key, value] of Object.entries(values)) {
      const full = [...keyPath, key];
      if (!has(chartValues, full)) {
        this.fail(where, full.join('.'), value, `is not in ${folder}/values.yaml`);
      } else if (isObject(value) && isObject(lookup(chartValues, full)) && Object.keys(lookup(chartValues, full)).length > 0) {
        this.checkChartValues(where, value, folder, full);
      }
    }
  }

  /** Every key of `values` exists in the chart's values.yaml (or its pilot subchart's), or the injection template reads it. */
  private checkValues(where: string, values: Record<string, any>, keyPath: string[]): void {
    for (const [key, value] of Object.entries(values)) {
      const full = [...keyPath, key];
      if (full.length === 1 && key === 'meshConfig') {
        if (!has(this.upstream.values, ['meshConfig'])) this.fail(where, 'meshConfig', value, 'is not a value of the chart');
        else this.checkProto(`${where} meshConfig`, value, 'mesh', 'MeshConfig');
        continue;
      }
      const known = has(this.upstream.values, full)
        || (full[0] === 'pilot' && this.upstream.pilotValues !== undefined && has(this.upstream.pilotValues, full.slice(1)))
        || this.upstream.injectionTemplate.includes(`.Values.${full.join('.')}`)
        || (this.upstream.gatewayApiTemplate ?? '').includes(`.Values.${full.join('.')}`);
      if (!known) {
        this.fail(where, full.join('.'), value, 'is not in values.yaml' + (this.upstream.pilotValues ? ' or pilot-values.yaml' : '') + ' and neither the injection template nor the gateway template reads it');
      } else if (isObject(value) && isObject(lookup(this.upstream.values, full)) && Object.keys(lookup(this.upstream.values, full)).length > 0) {
        this.checkValues(where, value, full);
      } else if (isObject(value) && full[0] === 'pilot' && this.upstream.pilotValues) {
        this.checkValues(where, value, full);
      }
    }
  }

  /** Every key of `value` is a field (by its JSON name) of `message` in the release's protos, nested messages followed. */
  private checkProto(where: string, value: any, api: 'mesh' | 'telemetry' | 'operator', message: string, keyPath: string[] = []): void {
    const protos = this.upstream.protos(api);
    const fields = protos.messages.get(message);
    if (!fields) {
      if (keyPath.length === 0 && protos.messages.size === 0) return; // istio/api has no such proto at this release
      if (keyPath.length === 0) this.problems.push(`${where}: ${this.release} has no message ${message}`);
      return;
    }
    for (const item of Array.isArray(value) ? value : [value]) {
      if (!isObject(item)) continue;
      for (const [key, child] of Object.entries(item)) {
        const full = [...keyPath, key];
        const type = fields.get(key);
        if (type === undefined) {
          this.fail(where, full.join('.'), child, `is not a field of ${message} in ${protos.files.get(message)}`);
          continue;
        }
        const nested = type.startsWith('map<') ? undefined : resolveMessage(protos, message, type);
        // A message without fields is a free-form struct of the operator API (TypeInterface, TypeMapStringInterface).
        if (nested && protos.messages.get(nested)!.size > 0) this.checkProto(where, child, api, nested, full);
      }
    }
  }

  /** Every manifest's apiVersion is served by the CRDs of the release (or the Gateway API CRDs its go.mod pins). */
  public checkApiVersions(): void {
    for (const object of this.output.objects) {
      const [group, version] = String(object.apiVersion).includes('/') ? object.apiVersion.split('/') : ['', object.apiVersion];
      const name = `${object.kind} ${object.metadata?.namespace ?? ''}/${object.metadata?.name}`;
      if (group === 'gateway.networking.k8s.io') {
        const tag = this.upstream.gatewayApiTag;
        const served = tag ? GATEWAY_API_SERVED.get(tag)?.get(object.kind) : undefined;
        if (!served) this.problems.push(`${name}: ${this.release} pins no published gateway-api CRDs serving ${object.kind} (go.mod: ${tag ?? 'none or a fork'})`);
        else if (!served.includes(version)) this.problems.push(`${name}: apiVersion ${object.apiVersion} is not served by gateway-api ${tag} (serves ${served.join(', ')})`);
      } else if (group.endsWith('istio.io')) {
        const served = this.upstream.servedVersions.get(`${group}/${object.kind}`);
        if (!served) this.problems.push(`${name}: ${this.release} installs no CRD for ${group}/${object.kind}`);
        else if (!served.includes(version)) this.problems.push(`${name}: apiVersion ${object.apiVersion} is not served by ${this.release} (serves ${served.join(', ')})`);
      }
    }
  }

  /** The tracer the output selects is compiled into the release's istio-proxy (where the fixtures list them, 1.12+). */
  public checkTracer(): void {
    const tracers = new Set<string>();
    for (const [file, content] of Object.entries(this.output.installInputs)) {
      const values = content?.kind === 'IstioOperator' ? content.spec?.values : content;
      const mesh = content?.kind === 'IstioOperator' ? content.spec?.meshConfig : content?.meshConfig;
      const tracer = lookup(values ?? {}, ['global', 'proxy', 'tracer']);
      if (tracer !== undefined) tracers.add(`${file}: values global.proxy.tracer=${tracer}|envoy.tracers.${tracer}`);
      for (const kind of ['lightstep', 'zipkin', 'datadog']) {
        if (lookup(mesh ?? {}, ['defaultConfig', 'tracing', kind]) !== undefined) tracers.add(`${file}: meshConfig.defaultConfig.tracing.${kind}|envoy.tracers.${kind}`);
      }
      for (const provider of mesh?.extensionProviders ?? []) {
        if (provider.opentelemetry) tracers.add(`${file}: meshConfig.extensionProviders[${provider.name}].opentelemetry|envoy.tracers.opentelemetry`);
      }
    }
    if (tracers.size === 0) this.problems.push(`install inputs: no tracer selected for ${this.release}`);
    const compiled = this.upstream.proxyTracers;
    if (!compiled) return;
    for (const entry of tracers) {
      const [where, tracer] = entry.split('|');
      if (!compiled.has(tracer)) this.problems.push(`${where}: ${tracer} is not compiled into the istio-proxy of ${this.release} (it has ${[...compiled].sort().join(', ')})`);
    }
  }

  /**
   * Where the injection template (and the 1.4-1.5 gateway template) mounts the LightStep CA: the Secret name it
   * mounts must be a Secret the output creates in every namespace whose pods mount it (the injected namespaces;
   * the Istio namespace for the gateway template), keyed by the file name of the path whose directory the
   * template mounts; on 1.6+, where no chart mounts it into the gateway, an overlay or a patch step must.
   */
  public checkInjectorMounts(): void {
    const values = this.emittedValues();
    if (values === undefined || lookup(values, ['global', 'proxy', 'tracer']) !== 'lightstep') return; // collector generations
    const secure = lookup(values, ['global', 'tracer', 'lightstep', 'secure']) ?? this.meshTracing()?.tlsSettings !== undefined;
    if (!secure) return;
    const injected = this.output.objects
      .filter((o) => o.kind === 'Namespace' && (o.metadata?.labels?.['istio-injection'] === 'enabled' || o.metadata?.labels?.['istio.io/rev']))
      .map((o) => o.metadata.name as string);
    const templates: Array<[string, string, string[]]> = [['injection template', this.upstream.injectionTemplate, injected]];
    if (this.upstream.gatewayTemplate?.includes('lightstep-certs')) templates.push(['gateway Deployment template', this.upstream.gatewayTemplate, [this.istioNamespace()]]);
    for (const [what, template, namespaces] of templates) {
      const mount = /mountPath: \{\{-? "?\[?\[? ?(?:directory|dir) (\$?\.[\w.]+) ?\]?\]?"? ?-?\}\}\s+name: lightstep-certs/.exec(template);
      const volume = /- name: lightstep-certs\s+secret:\s+(?:optional: true\s+)?secretName: ([\w.-]+)/.exec(template);
      if (!mount || !volume) {
        this.problems.push(`${this.release} ${what}: no lightstep-certs mount found, yet the output selects the LightStep tracer`);
        continue;
      }
      const mountedPath = this.templateExpression(mount[1], values);
      if (typeof mountedPath !== 'string' || mountedPath.lastIndexOf('/') <= 0) {
        this.fail(what, mount[1].replace(/^\$?\./, ''), mountedPath, `must be an absolute file path below a directory: the ${what} mounts the CA at its directory`);
        continue;
      }
      this.requireSecret(what, volume[1], mountedPath, namespaces);
      if (what === 'injection template' && !this.upstream.gatewayTemplate) this.checkGatewayCertificate(volume[1], mountedPath);
    }
  }

  /** 1.6+: the ingress gateway gets the CA Secret from an IstioOperator overlay or a `kubectl patch` step of INSTALL.md. */
  private checkGatewayCertificate(secretName: string, caPath: string): void {
    const operator = Object.values(this.output.installInputs).find((content) => content?.kind === 'IstioOperator');
    const overlayPatches = (operator?.spec?.components?.ingressGateways ?? [])
      .flatMap((gateway: any) => gateway.k8s?.overlays ?? []).flatMap((overlay: any) => overlay.patches ?? []).map((patch: any) => patch.value);
    const patchStep = /kubectl -n (\S+) patch deployment \S+ --type=json -p '([^']+)'/.exec(this.output.installNotes);
    const values: any[] = [...overlayPatches, ...(patchStep ? JSON.parse(patchStep[2]).map((op: any) => op.value) : [])];
    const volume = values.find((value) => value?.secret?.secretName === secretName);
    const mount = values.find((value) => value?.name === volume?.name && value?.mountPath !== undefined);
    if (!volume || mount?.mountPath !== path.posix.dirname(caPath)) {
      this.problems.push(`ingress gateway: ${this.release} mounts no CA into it (no chart does from 1.6): expected a volume of Secret ${secretName} mounted at ${path.posix.dirname(caPath)} by an overlay or a patch step`);
      return;
    }
    this.requireSecret('ingress gateway', secretName, caPath, [this.istioNamespace()]);
  }

  private requireSecret(what: string, name: string, filePath: string, namespaces: string[]): void {
    const key = filePath.slice(filePath.lastIndexOf('/') + 1);
    for (const namespace of namespaces) {
      const found = this.output.objects.some((o) => o.kind === 'Secret' && o.metadata?.name === name && o.metadata?.namespace === namespace
        && Object.keys({ ...o.data, ...o.stringData }).includes(key));
      if (!found) {
        this.problems.push(`${what} of ${this.release} mounts Secret ${name} at ${path.posix.dirname(filePath)} and reads ${key}, but the output creates no Secret ${name} with key ${key} in namespace ${namespace}`);
      }
    }
  }

  /** The namespace Istio is installed into: the IstioOperator's, or the `--namespace` of the Helm command. */
  private istioNamespace(): string {
    const operator = Object.values(this.output.installInputs).find((content) => content?.kind === 'IstioOperator');
    return operator?.metadata?.namespace ?? /helm template istio \S+ --namespace (\S+)/.exec(this.output.installNotes)?.[1] ?? 'istio-system';
  }

  /** The value a template expression reads: `.Values.x.y` from the Helm values, `.ProxyConfig.GetTracing.GetX.GetY` from mesh config. */
  private templateExpression(expression: string, values: Record<string, any>): unknown {
    const parts = expression.replace(/^\$?\./, '').split('.');
    if (parts[0] === 'Values') return lookup(values, parts.slice(1));
    if (parts[0] === 'ProxyConfig') {
      const fields = parts.slice(1).map((getter) => getter.replace(/^Get/, '')).map((name) => name[0].toLowerCase() + name.slice(1));
      // 1.1-1.5: the istio chart renders defaultConfig.tracing from global.tracer.*
      return this.meshTracing() !== undefined
        ? lookup({ tracing: this.meshTracing() }, fields)
        : lookup(values, ['global', 'tracer', ...fields.slice(1)]);
    }
    return undefined;
  }

  private emittedValues(): Record<string, any> | undefined {
    const inputs = Object.values(this.output.installInputs);
    const operator = inputs.find((content) => content?.kind === 'IstioOperator');
    return operator ? operator.spec?.values ?? {} : inputs[0];
  }

  private meshTracing(): Record<string, any> | undefined {
    const operator = Object.values(this.output.installInputs).find((content) => content?.kind === 'IstioOperator');
    return operator?.spec?.meshConfig?.defaultConfig?.tracing;
  }

  /** Every collector component is in otelcol-contrib 0.120.0, whose image the output runs, and the mesh's Zipkin address reaches a zipkin receiver. */
  public checkCollector(): void {
    for (const configMap of this.output.objects.filter((o) => o.kind === 'ConfigMap')) {
      for (const [key, text] of Object.entries<string>(configMap.data ?? {})) {
        const config = safeYaml(text);
        if (!isObject(config?.service?.pipelines)) continue;
        const where = `ConfigMap ${configMap.metadata.namespace}/${configMap.metadata.name} ${key}`;
        for (const kind of ['receivers', 'processors', 'exporters', 'extensions', 'connectors']) {
          for (const name of Object.keys(config[kind] ?? {})) {
            const component = `${kind.slice(0, -1)}/${name.split('/')[0].replace(/_/g, '')}`;
            if (!COLLECTOR_MANIFEST.components.has(component)) this.fail(where, `${kind}.${name}`, config[kind][name], `is not a component of otelcol-contrib ${COLLECTOR_MANIFEST.version}`);
          }
        }
      }
    }
    for (const deployment of this.output.objects.filter((o) => o.kind === 'Deployment')) {
      for (const container of deployment.spec?.template?.spec?.containers ?? []) {
        const image = String(container.image);
        if (image.includes('opentelemetry-collector') && !image.endsWith(`:${COLLECTOR_MANIFEST.version}`)) {
          this.fail(`Deployment ${deployment.metadata.name}`, 'image', image, `is not the collector build the manifest describes (${COLLECTOR_MANIFEST.version})`);
        }
      }
    }
    const zipkin = this.meshTracing()?.zipkin?.address;
    if (typeof zipkin === 'string') {
      const [host, port] = zipkin.split(':');
      const service = this.output.objects.find((o) => o.kind === 'Service' && host === `${o.metadata.name}.${o.metadata.namespace}.svc.cluster.local`);
      const servicePort = service?.spec?.ports?.find((p: any) => String(p.port) === port);
      if (!servicePort) this.fail('meshConfig.defaultConfig.tracing.zipkin', 'address', zipkin, 'names no Service port of the output');
      else if (!/^http/.test(servicePort.name ?? '')) this.fail(`Service ${service.metadata.name}`, `ports[${servicePort.name}]`, servicePort.name, 'Zipkin is HTTP: name the port http-* for Istio protocol selection');
    }
  }

  /** IstioOperator overlay paths are ones the release's istioctl (operator/pkg/tpath/tree.go) can apply. */
  public checkOverlays(): void {
    for (const [file, content] of Object.entries(this.output.installInputs)) {
      const gateways = content?.spec?.components?.ingressGateways ?? [];
      for (const gateway of gateways) {
        for (const overlay of gateway.k8s?.overlays ?? []) {
          for (const patch of overlay.patches ?? []) {
            if (!String(patch.path).includes('[-1]')) continue;
            const tree = this.upstream.overlayTreeGo;
            // Before 1.7.1 getPathContext indexes the list with -1 directly; the fix guards `idx < 0` and appends.
            if (!tree || !/if idx >= len\(lst\) \|\| idx < 0 \{/.test(tree.text)) {
              this.fail(`${file} ingressGateways[${gateway.name}].k8s.overlays`, 'path', patch.path,
                `index -1 is not handled by operator/pkg/tpath/tree.go of Istio ${tree?.tag ?? this.upstream.tag}: istioctl would index the list with -1`);
            }
          }
        }
      }
    }
  }

  /** Every release path INSTALL.md names exists at the release; charts and commands fit it. */
  public checkInstallNotes(): void {
    // Commands only: the prose may name a chart folder in passing.
    const notes = [...this.output.installNotes.matchAll(/```sh\n([\s\S]*?)```/g)].map((block) => block[1]).join('\n');
    const paths = this.upstream.paths;
    for (const match of notes.matchAll(/\$ISTIO_DIR"?\/([^\s"';|)]+)/g)) {
      const named = match[1];
      if (named === 'bin/istioctl') continue; // the binary is part of every release archive, not of the source tree
      const exists = named.includes('*')
        ? [...paths].some((known) => globToRegExp(named).test(known))
        : paths.has(named);
      if (!exists) this.problems.push(`INSTALL.md: $ISTIO_DIR/${named} does not exist in ${this.release}`);
    }
    const repositoryCharts: Record<string, string> = {
      'istio/base': 'manifests/charts/base', 'istio/istiod': 'manifests/charts/istio-control/istio-discovery', 'istio/gateway': 'manifests/charts/gateway',
      'istio/cni': 'manifests/charts/istio-cni', 'istio/ztunnel': 'manifests/charts/ztunnel',
    };
    for (const match of notes.matchAll(/helm (?:install|template) [\w-]+ (istio\/[\w-]+)/g)) {
      const source = repositoryCharts[match[1]];
      if (!source || !paths.has(source)) this.problems.push(`INSTALL.md: Helm chart ${match[1]} is not published for ${this.release} (no ${source ?? 'such chart'} at the release)`);
    }
    // Everything else is relative to the folder of INSTALL.md, so each block pastes as is from there.
    const named = [
      ...[...notes.matchAll(/(?:^|\s)-f\s+([^\s"$|-][^\s"|]*)/gm)].map((match) => match[1]),
      ...[...notes.matchAll(/(?:^|[\s=])((?:istio|manifests)\/[\w.\/-]*)/gm)].map((match) => match[1]),
      ...[...notes.matchAll(/(?:^|\s)\.\/([\w.\/-]+)/gm)].map((match) => match[1]), // a script beside the notes, e.g. ./verify.sh
    ].filter((file) => !(file in repositoryCharts)); // a chart of Istio's Helm repository, not a local folder
    for (const file of new Set(named)) {
      const relative = file.replace(/\/$/, '');
      if (!this.output.files.some((known) => known === relative || known.startsWith(`${relative}/`))) {
        this.problems.push(`INSTALL.md: ${file} is not in the output folder`);
      }
    }
    if (/helm \w+ [^\n]*--name\b/.test(notes)) this.problems.push('INSTALL.md: Helm 2 syntax (--name), which Helm 3 refuses');
    for (const match of notes.matchAll(/gateway-api\/config\/crd(?:\/experimental)?\?ref=([\w.-]+)/g)) {
      if (match[1] !== this.upstream.gatewayApiTag) this.problems.push(`INSTALL.md: Gateway API CRDs ${match[1]}, but ${this.release} builds against ${this.upstream.gatewayApiTag ?? 'none'} (go.mod)`);
    }
    if (/\binstall\/kubernetes|manifests\/charts/.test(notes.replace(/\$ISTIO_DIR"?\/[^\s"]+/g, ''))) {
      this.problems.push('INSTALL.md: a path of the Istio release without $ISTIO_DIR: it only works from the release folder');
    }
  }

  /**
   * Every install profile the output names exists at the release: an IstioOperator's `spec.profile` in the archive's
   * manifests/profiles, a Helm values file's `profile` as files/profile-<name>.yaml of its chart, whose
   * templates/zzz_profile.yaml reads `.Values.profile`.
   */
  public checkProfiles(): void {
    for (const [file, content] of Object.entries(this.output.installInputs)) {
      if (content?.kind === 'IstioOperator') {
        const profile = content.spec?.profile;
        if (profile !== undefined && !this.upstream.chartFiles.has(`manifests/profiles/${profile}.yaml`)) {
          this.fail(`${file} spec`, 'profile', profile, `is not a profile of the release (no manifests/profiles/${profile}.yaml)`);
        }
        continue;
      }
      if (content?.profile === undefined) continue;
      const chart = NODE_CHART_VALUES[file] ?? (file === GATEWAY_VALUES_FILE ? this.gatewayChartFolder() : ISTIOD_CHART);
      // `.Values.profile`, or from 1.25 `coalesce ($.Values).profile ($.Values.global).profile`.
      if (!/Values\)?\.profile\b/.test(this.upstream.chartFile(`${chart}/templates/zzz_profile.yaml`) ?? '')) {
        this.fail(file, 'profile', content.profile, `is not read by ${chart}/templates/zzz_profile.yaml`);
      } else if (!this.upstream.chartFiles.has(`${chart}/files/profile-${content.profile}.yaml`)) {
        this.fail(file, 'profile', content.profile, `is not a profile of ${chart} (no files/profile-${content.profile}.yaml)`);
      }
    }
  }

  private fail(where: string, key: string, value: unknown, problem: string): void {
    this.problems.push(`${where}: ${key}=${JSON.stringify(value)} ${problem} (${this.release})`);
  }
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Walks `keys` down a parsed YAML tree: whether the path exists (a key whose value is null counts), and its value. */
function walk(tree: any, keys: string[]): { found: boolean; value?: any } {
  let node = tree;
  for (const key of keys) {
    if (!isObject(node) || !(key in node)) return { found: false };
    node = node[key];
  }
  return { found: true, value: node };
}

function lookup(tree: any, keys: string[]): any {
  return walk(tree, keys).value;
}

function has(tree: any, keys: string[]): boolean {
  return walk(tree, keys).found;
}

function safeYaml(text: string): any {
  try {
    return yaml.load(text);
  } catch {
    return undefined;
  }
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
}
