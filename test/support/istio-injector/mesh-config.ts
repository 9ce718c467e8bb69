/**
 * The mesh config istiod works with: the code defaults of each release (DefaultMeshConfig / DefaultProxyConfig) with
 * the `mesh` of the `istio[-<rev>]` ConfigMap applied onto them as that release's ApplyMeshConfig does, and the
 * per-pod `proxy.istio.io/config` annotation applied onto the mesh's defaultConfig (ApplyProxyConfig /
 * MergeProxyConfig). Sources, per release:
 *   1.1-1.2  pilot/pkg/model/context.go (DefaultProxyConfig, DefaultMeshConfig, ApplyMeshConfigDefaults)
 *   1.3+     pkg/config/mesh/mesh.go (the same functions, then ApplyMeshConfig, ApplyProxyConfig, MergeProxyConfig)
 * Data is proto3 JSON (lowerCamel names, durations as "45s", enums by name), as the templates' Go types read it.
 */
import * as yaml from 'js-yaml';
import { GoTemplateError, GoValue, StructType, ptrTo } from './go-value';
import { ProtoSchema } from './proto-schema';
import { atLeast } from './releases';

export type Json = Record<string, unknown>;

/** DefaultProxyConfig() of `release`, as proto JSON. */
export function defaultProxyConfig(release: string): Json {
  if (!atLeast(release, '1.6')) {
    // 1.1-1.5: pilot/pkg/model/context.go, then pkg/config/mesh/mesh.go. ServiceCluster istio-proxy, pilot's plain-text address.
    const config: Json = {
      configPath: '/etc/istio/proxy',
      binaryPath: '/usr/local/bin/envoy',
      serviceCluster: 'istio-proxy',
      drainDuration: '45s',
      parentShutdownDuration: '60s',
      discoveryAddress: 'istio-pilot:15010',
      connectTimeout: '1s',
      proxyAdminPort: 15000,
      controlPlaneAuthPolicy: 'NONE',
      statNameLength: 189,
    };
    // 1.3: EnvoyMetricsService and EnvoyAccessLogService become messages (RemoteService{Address: ""}).
    if (atLeast(release, '1.3')) Object.assign(config, { envoyMetricsService: {}, envoyAccessLogService: {} });
    return config;
  }
  const config: Json = {
    configPath: '/etc/istio/proxy',
    serviceCluster: 'istio-proxy',
    drainDuration: '45s',
    parentShutdownDuration: '60s',
    proxyAdminPort: 15000,
    concurrency: 2,
    controlPlaneAuthPolicy: 'NONE',
    discoveryAddress: 'istiod.istio-system.svc:15012',
    tracing: { zipkin: { address: 'zipkin.istio-system:9411' } },
    binaryPath: '/usr/local/bin/envoy',
    envoyMetricsService: {},
    envoyAccessLogService: {},
    statNameLength: 189,
    statusPort: 15020,
  };
  if (atLeast(release, '1.7')) Object.assign(config, { terminationDrainDuration: '5s', controlPlaneAuthPolicy: 'MUTUAL_TLS' });
  // 1.9: no EnvoyMetricsService / EnvoyAccessLogService defaults any more.
  if (atLeast(release, '1.9')) {
    delete config.envoyMetricsService;
    delete config.envoyAccessLogService;
  }
  // 1.17: ParentShutdownDuration dropped; 1.18: Concurrency left unset; 1.19: no default tracer.
  if (atLeast(release, '1.17')) delete config.parentShutdownDuration;
  if (atLeast(release, '1.18')) delete config.concurrency;
  if (atLeast(release, '1.19')) delete config.tracing;
  return config;
}

/** DefaultMeshConfig() of `release`, as proto JSON. */
export function defaultMeshConfig(release: string): Json {
  const proxy = defaultProxyConfig(release);
  if (!atLeast(release, '1.6')) {
    const mesh: Json = {
      disablePolicyChecks: true,
      rootNamespace: 'istio-system',
      proxyListenPort: 15001,
      connectTimeout: '1s',
      ingressService: 'istio-ingressgateway',
      enableTracing: true,
      accessLogFile: '/dev/stdout',
      accessLogEncoding: 'TEXT',
      defaultConfig: proxy,
      defaultServiceExportTo: ['*'],
      defaultVirtualServiceExportTo: ['*'],
      defaultDestinationRuleExportTo: ['*'],
      outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
      dnsRefreshRate: '5s',
    };
    if (atLeast(release, '1.3')) mesh.protocolDetectionTimeout = '0.100s';
    if (atLeast(release, '1.4')) mesh.enableAutoMtls = false;
    return mesh;
  }
  const mesh: Json = {
    enableTracing: true,
    accessLogEncoding: 'TEXT',
    ingressService: 'istio-ingressgateway',
    ingressControllerMode: 'STRICT',
    ingressClass: 'istio',
    trustDomain: 'cluster.local',
    enableAutoMtls: true,
    outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
    localityLbSetting: { enabled: true },
    defaultConfig: proxy,
    rootNamespace: 'istio-system',
    proxyListenPort: 15001,
    connectTimeout: '10s',
    defaultServiceExportTo: ['*'],
    defaultVirtualServiceExportTo: ['*'],
    defaultDestinationRuleExportTo: ['*'],
    dnsRefreshRate: '5s',
    thriftConfig: {},
    sdsUdsPath: 'unix:./etc/istio/proxy/SDS',
  };
  if (!atLeast(release, '1.8')) {
    Object.assign(mesh, { reportBatchMaxEntries: 100, reportBatchMaxTime: '1s', disableMixerHttpReports: true, disablePolicyChecks: true });
    mesh.protocolDetectionTimeout = atLeast(release, '1.6.14') || atLeast(release, '1.7') ? '5s' : '0.100s';
  } else {
    delete mesh.sdsUdsPath;
  }
  if (atLeast(release, '1.11')) {
    mesh.defaultProviders = atLeast(release, '1.12') ? {} : { accessLogging: ['envoy'] };
    const providers: Json[] = [{ name: 'envoy', envoyFileAccessLog: { path: '/dev/stdout' } }];
    if (atLeast(release, '1.12')) providers.unshift({ name: 'prometheus', prometheus: {} }, { name: 'stackdriver', stackdriver: {} });
    mesh.extensionProviders = providers;
  }
  if (atLeast(release, '1.14')) mesh.dnsRefreshRate = '60s';
  if (atLeast(release, '1.17')) delete mesh.thriftConfig;
  if (atLeast(release, '1.18')) Object.assign(mesh, { proxyInboundListenPort: 15006, enablePrometheusMerge: true });
  if (atLeast(release, '1.19')) mesh.inboundTrafficPolicy = { mode: 'PASSTHROUGH' };
  return mesh;
}

/** The mesh protos of a release: what ProxyConfig and MeshConfig are, and how jsonpb treats them there. */
export class MeshProtos {
  constructor(public readonly release: string, public readonly schema: ProtoSchema) {}

  public get proxyConfigType() { return this.schema.message('istio.mesh.v1alpha1.ProxyConfig'); }
  public get meshConfigType() { return this.schema.message('istio.mesh.v1alpha1.MeshConfig'); }

  /** gogo/protobuf's jsonpb (Istio up to 1.13) merges nested messages; golang/protobuf's (1.14 on) replaces them. */
  private get mergeNested(): boolean {
    return !atLeast(this.release, '1.14');
  }

  /** mesh.ApplyMeshConfig(meshYAML, DefaultMeshConfig()) of the release. */
  public applyMeshConfig(meshYaml: string): Json {
    const patch = parseYamlObject(meshYaml, 'the mesh config (ConfigMap istio, key mesh)');
    const defaults = defaultMeshConfig(this.release);
    const meshType = this.meshConfigType;
    const proxyType = this.proxyConfigType;
    if (!atLeast(this.release, '1.9')) {
      // 1.1-1.8: the whole YAML applied onto the defaults, then the resulting proxy config re-encoded (zero values
      // drop out) and applied onto DefaultProxyConfig().
      const merged = this.schema.apply(meshType, this.schema.normalize(ptrTo(meshType), defaults) as Json, patch, this.mergeNested);
      const reencoded = this.schema.toJsonpb(new GoValue(ptrTo(proxyType), merged.defaultConfig ?? null));
      merged.defaultConfig = this.schema.apply(proxyType, this.proxyDefaults(), reencoded, true);
      return merged;
    }
    // 1.9+: every field but defaultConfig is an override; defaultConfig merges onto DefaultProxyConfig().
    const { defaultConfig: proxyPatch, defaultProviders, extensionProviders, ...rest } = patch;
    const base = this.schema.normalize(ptrTo(meshType), defaults) as Json;
    const merged = this.schema.apply(meshType, base, rest, this.mergeNested);
    merged.defaultConfig = proxyPatch === undefined ? base.defaultConfig : this.mergeProxyConfig(base.defaultConfig as Json, proxyPatch);
    if (defaultProviders !== undefined) {
      const typeOfProviders = fieldType(meshType, 'defaultProviders');
      merged.defaultProviders = typeOfProviders ? this.schema.apply(typeOfProviders, (base.defaultProviders ?? {}) as Json, defaultProviders, this.mergeNested) : defaultProviders;
    }
    if (extensionProviders !== undefined) {
      // 1.11+: providers of the YAML replace the default of the same name, others are appended.
      const normalized = this.schema.apply(meshType, {}, { extensionProviders }, false).extensionProviders as Json[];
      const result = [...((base.extensionProviders ?? []) as Json[])];
      for (const provider of normalized ?? []) {
        const index = result.findIndex((existing) => existing.name === provider.name);
        if (index >= 0) result[index] = provider;
        else result.push(provider);
      }
      merged.extensionProviders = result;
    }
    return merged;
  }

  /** The pod's ProxyConfig: the mesh's defaultConfig with the `proxy.istio.io/config` annotation applied (1.5+). */
  public applyProxyConfigAnnotation(mesh: Json, annotation: string | undefined): Json {
    const defaultConfig = (mesh.defaultConfig ?? {}) as Json;
    if (annotation === undefined) return defaultConfig;
    const patch = parseYamlObject(annotation, 'the proxy.istio.io/config annotation');
    return this.mergeProxyConfig(defaultConfig, patch);
  }

  /** ApplyYAML of a proxy config onto `base`; from 1.18 (MergeProxyConfig) proxyMetadata keys merge. */
  private mergeProxyConfig(base: Json, patch: unknown): Json {
    const proxyType = this.proxyConfigType;
    const result = this.schema.apply(proxyType, base, patch, this.mergeNested);
    if (atLeast(this.release, '1.18') && base.proxyMetadata && result.proxyMetadata !== base.proxyMetadata) {
      result.proxyMetadata = { ...(base.proxyMetadata as Json), ...(result.proxyMetadata as Json) };
    }
    return result;
  }

  /** DefaultProxyConfig() of the release in normalized proto JSON. */
  public proxyDefaults(): Json {
    return this.schema.normalize(ptrTo(this.proxyConfigType), defaultProxyConfig(this.release)) as Json;
  }
}

/** The message type of a message-valued field of `struct`. */
function fieldType(struct: StructType, json: string): StructType | undefined {
  const type = struct.fields().find((candidate) => candidate.json === json)?.type;
  return type?.kind === 'ptr' && type.elem.kind === 'struct' ? type.elem : undefined;
}

/** YAML as Go's sigs.k8s.io/yaml reads it into JSON: an object, or an error that names what was read. */
export function parseYamlObject(text: string, what: string): Json {
  let parsed: unknown;
  try {
    parsed = yaml.load(text);
  } catch (error) {
    throw new GoTemplateError(`${what} is not valid YAML: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new GoTemplateError(`${what} must be a YAML mapping (got ${JSON.stringify(parsed).slice(0, 80)})`);
  return parsed as Json;
}
