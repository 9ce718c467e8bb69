/**
 * What happens to the text a template renders before it reaches the pod: Go's YAML reader (gopkg.in/yaml.v2, YAML
 * 1.1: `yes`, `on` are booleans, `0644` is octal), then decoding into the Kubernetes Go types and encoding again.
 *
 * Decoding into Go structs has visible effects that this module reproduces for the Pod's fields:
 * - Istio 1.1-1.8 decode with ghodss/yaml, which converts a YAML number or boolean to a string where the Go field is
 *   a string (`- 1337` in args becomes "1337"); 1.9+ convert YAML to JSON first and json.Unmarshal then rejects a
 *   number in a string field, which fails the injection (`scalars: 'strict'`).
 * - resource.Quantity fields are written back canonically ("2000m" -> "2", "1024Mi" -> "1Gi").
 * - JSON nulls are dropped (a nil pointer, map or slice is omitted when encoded).
 * The shape below lists the core/v1 fields injection templates write (k8s.io/api/core/v1/types.go); fields it does not
 * list are kept as they are.
 */
import * as yaml from 'js-yaml';
import { GoTemplateError } from './go-value';
import { canonicalQuantity } from './quantity';

/**
 * A Go field's type as encoding/json sees it: `string`, `int`, `bool` are plain fields with omitempty (the zero value
 * is left out when encoded); `!` marks a field without omitempty (always written); `*` a pointer (nil left out, a
 * zero value written). `quantity` is a resource.Quantity pointer, `quantity!` one held by value (written "0" when
 * unset), `intOrString` an intstr.IntOrString (always written), `any` a field whose content is kept as it is.
 */
type Scalar = 'string' | 'string!' | 'string*' | 'int' | 'int!' | 'int*' | 'bool' | 'bool*' | 'quantity' | 'quantity!' | 'intOrString' | 'any';

/**
 * A Go struct: its fields in declaration order (encoding/json's order), the fields written even when empty, and the
 * Kubernetes API minor version that added a field (a release vendoring an older k8s.io/api drops it, as
 * json.Unmarshal drops every field its struct does not have).
 */
interface StructShape {
  readonly object: Readonly<Record<string, Shape>>;
  readonly always?: readonly string[];
  readonly since?: Readonly<Record<string, number>>;
}
type Shape = Scalar | StructShape | { readonly list: Shape } | { readonly map: Shape };

const obj = (fields: Record<string, Shape>, always: string[] = [], since: Record<string, number> = {}): StructShape => ({ object: fields, always, since });
const list = (of: Shape): Shape => ({ list: of });
const map = (of: Shape): Shape => ({ map: of });

// k8s.io/api/core/v1/types.go, field by field for the structs injection templates write.
const OPTIONAL_REF = obj({ name: 'string', optional: 'bool*' });
const KEY_REF = obj({ name: 'string', key: 'string!', optional: 'bool*' });
const FIELD_REF = obj({ apiVersion: 'string', fieldPath: 'string!' });
const RESOURCE_FIELD_REF = obj({ containerName: 'string', resource: 'string!', divisor: 'quantity!' }, ['divisor']);
const KEY_TO_PATH = list(obj({ key: 'string!', path: 'string!', mode: 'int*' }));
const EXEC = obj({ command: list('string!') });
const HTTP_GET = obj({ path: 'string', port: 'intOrString', host: 'string', scheme: 'string', httpHeaders: list(obj({ name: 'string!', value: 'string!' })) }, ['port']);
const TCP_SOCKET = obj({ port: 'intOrString', host: 'string' }, ['port']);
const HANDLER = obj({ exec: EXEC, httpGet: HTTP_GET, tcpSocket: TCP_SOCKET, sleep: obj({ seconds: 'int!' }) }, [], { sleep: 29 });
const PROBE = obj({
  exec: EXEC, httpGet: HTTP_GET, tcpSocket: TCP_SOCKET, grpc: obj({ port: 'int!', service: 'string*' }),
  initialDelaySeconds: 'int', timeoutSeconds: 'int', periodSeconds: 'int', successThreshold: 'int', failureThreshold: 'int',
  terminationGracePeriodSeconds: 'int*',
}, [], { grpc: 24, terminationGracePeriodSeconds: 21 });
const SE_LINUX = obj({ user: 'string', role: 'string', type: 'string', level: 'string' });
const WINDOWS = obj({ gmsaCredentialSpecName: 'string*', gmsaCredentialSpec: 'string*', runAsUserName: 'string*', hostProcess: 'bool*' });
const SECCOMP = obj({ type: 'string!', localhostProfile: 'string*' });
const SECURITY_CONTEXT = obj({
  capabilities: obj({ add: list('string!'), drop: list('string!') }), privileged: 'bool*', seLinuxOptions: SE_LINUX,
  windowsOptions: WINDOWS, runAsUser: 'int*', runAsGroup: 'int*', runAsNonRoot: 'bool*', readOnlyRootFilesystem: 'bool*',
  allowPrivilegeEscalation: 'bool*', procMount: 'string*', seccompProfile: SECCOMP, appArmorProfile: SECCOMP,
}, [], { windowsOptions: 14, seccompProfile: 19, appArmorProfile: 30 });
const CONTAINER = obj({
  name: 'string!', image: 'string', command: list('string!'), args: list('string!'), workingDir: 'string',
  ports: list(obj({ name: 'string', hostPort: 'int', containerPort: 'int!', protocol: 'string', hostIP: 'string' })),
  envFrom: list(obj({ prefix: 'string', configMapRef: OPTIONAL_REF, secretRef: OPTIONAL_REF })),
  env: list(obj({
    name: 'string!', value: 'string',
    valueFrom: obj({ fieldRef: FIELD_REF, resourceFieldRef: RESOURCE_FIELD_REF, configMapKeyRef: KEY_REF, secretKeyRef: KEY_REF, fileKeyRef: 'any' }, [], { fileKeyRef: 34 }),
  })),
  resources: obj({ limits: map('quantity!'), requests: map('quantity!'), claims: 'any' }, [], { claims: 26 }),
  resizePolicy: 'any', restartPolicy: 'string*', restartPolicyRules: 'any',
  volumeMounts: list(obj({
    name: 'string!', readOnly: 'bool', recursiveReadOnly: 'string*', mountPath: 'string!', subPath: 'string', mountPropagation: 'string*', subPathExpr: 'string',
  }, [], { recursiveReadOnly: 30, subPathExpr: 14 })),
  volumeDevices: list(obj({ name: 'string!', devicePath: 'string!' })),
  livenessProbe: PROBE, readinessProbe: PROBE, startupProbe: PROBE,
  lifecycle: obj({ postStart: HANDLER, preStop: HANDLER, stopSignal: 'string*' }, [], { stopSignal: 33 }),
  terminationMessagePath: 'string', terminationMessagePolicy: 'string', imagePullPolicy: 'string',
  securityContext: SECURITY_CONTEXT, stdin: 'bool', stdinOnce: 'bool', tty: 'bool',
}, ['name', 'resources'], { startupProbe: 16, resizePolicy: 27, restartPolicy: 28, restartPolicyRules: 34 });
const DOWNWARD_ITEMS = list(obj({ path: 'string!', fieldRef: FIELD_REF, resourceFieldRef: RESOURCE_FIELD_REF, mode: 'int*' }));
const VOLUME = obj({
  name: 'string!',
  hostPath: obj({ path: 'string!', type: 'string*' }),
  emptyDir: obj({ medium: 'string', sizeLimit: 'quantity' }),
  gcePersistentDisk: 'any', awsElasticBlockStore: 'any', gitRepo: 'any',
  secret: obj({ secretName: 'string', items: KEY_TO_PATH, defaultMode: 'int*', optional: 'bool*' }),
  nfs: 'any', iscsi: 'any', glusterfs: 'any',
  persistentVolumeClaim: obj({ claimName: 'string!', readOnly: 'bool' }),
  rbd: 'any', flexVolume: 'any', cinder: 'any', cephfs: 'any', flocker: 'any',
  downwardAPI: obj({ items: DOWNWARD_ITEMS, defaultMode: 'int*' }),
  fc: 'any', azureFile: 'any',
  configMap: obj({ name: 'string', items: KEY_TO_PATH, defaultMode: 'int*', optional: 'bool*' }),
  vsphereVolume: 'any', quobyte: 'any', azureDisk: 'any', photonPersistentDisk: 'any',
  projected: obj({
    sources: list(obj({
      secret: obj({ name: 'string', items: KEY_TO_PATH, optional: 'bool*' }),
      downwardAPI: obj({ items: DOWNWARD_ITEMS }),
      configMap: obj({ name: 'string', items: KEY_TO_PATH, optional: 'bool*' }),
      serviceAccountToken: obj({ audience: 'string', expirationSeconds: 'int*', path: 'string!' }),
      clusterTrustBundle: 'any', podCertificate: 'any',
    }, [], { clusterTrustBundle: 29, podCertificate: 34 })),
    defaultMode: 'int*',
  }),
  portworxVolume: 'any', scaleIO: 'any', storageos: 'any',
  csi: obj({ driver: 'string!', readOnly: 'bool*', fsType: 'string*', volumeAttributes: map('string!'), nodePublishSecretRef: obj({ name: 'string' }) }),
  ephemeral: 'any', image: 'any',
}, ['name'], { csi: 14, ephemeral: 19, image: 31 });
const POD_SECURITY_CONTEXT = obj({
  seLinuxOptions: SE_LINUX, windowsOptions: WINDOWS, runAsUser: 'int*', runAsGroup: 'int*', runAsNonRoot: 'bool*',
  supplementalGroups: list('int!'), supplementalGroupsPolicy: 'string*', fsGroup: 'int*',
  sysctls: list(obj({ name: 'string!', value: 'string!' })), fsGroupChangePolicy: 'string*', seccompProfile: SECCOMP,
  appArmorProfile: SECCOMP, seLinuxChangePolicy: 'string*',
}, [], { windowsOptions: 16, supplementalGroupsPolicy: 31, fsGroupChangePolicy: 18, seccompProfile: 19, appArmorProfile: 30, seLinuxChangePolicy: 32 });
const POD_SPEC = obj({
  volumes: list(VOLUME), initContainers: list(CONTAINER), containers: list(CONTAINER), ephemeralContainers: 'any',
  restartPolicy: 'string', terminationGracePeriodSeconds: 'int*', activeDeadlineSeconds: 'int*', dnsPolicy: 'string',
  nodeSelector: map('string!'), serviceAccountName: 'string', serviceAccount: 'string', automountServiceAccountToken: 'bool*',
  nodeName: 'string', hostNetwork: 'bool', hostPID: 'bool', hostIPC: 'bool', shareProcessNamespace: 'bool*',
  securityContext: POD_SECURITY_CONTEXT, imagePullSecrets: list(obj({ name: 'string' })), hostname: 'string', subdomain: 'string',
  affinity: 'any', schedulerName: 'string', tolerations: 'any', hostAliases: 'any', priorityClassName: 'string', priority: 'int*',
  dnsConfig: obj({ nameservers: list('string!'), searches: list('string!'), options: list(obj({ name: 'string', value: 'string*' })) }),
  readinessGates: 'any', runtimeClassName: 'string*', enableServiceLinks: 'bool*', preemptionPolicy: 'string*',
  overhead: map('quantity!'), topologySpreadConstraints: 'any', setHostnameAsFQDN: 'bool*', os: 'any', hostUsers: 'bool*',
  schedulingGates: 'any', resourceClaims: 'any', resources: 'any', hostnameOverride: 'string*',
}, ['containers'], {
  ephemeralContainers: 16, overhead: 16, topologySpreadConstraints: 16, setHostnameAsFQDN: 20, os: 23, hostUsers: 25,
  schedulingGates: 26, resourceClaims: 26, resources: 32, hostnameOverride: 34,
});
const OBJECT_META = obj({
  name: 'string', generateName: 'string', namespace: 'string', selfLink: 'string', uid: 'string', resourceVersion: 'string',
  generation: 'int', creationTimestamp: 'any', deletionTimestamp: 'any', deletionGracePeriodSeconds: 'int*',
  labels: map('string!'), annotations: map('string!'), ownerReferences: 'any', finalizers: list('string!'), managedFields: 'any',
});

/** core/v1 Pod. */
export const POD_SHAPE: Shape = obj({ apiVersion: 'string', kind: 'string', metadata: OBJECT_META, spec: POD_SPEC, status: 'any' });

/** The injector's SidecarInjectionSpec (1.1-1.8), which the rendered template is decoded into. */
export const INJECTION_SPEC_SHAPE: Shape = obj({
  podRedirectAnnot: map('string!'), rewriteAppHTTPProbe: 'bool', holdApplicationUntilProxyStarts: 'bool', initContainers: list(CONTAINER),
  containers: list(CONTAINER), volumes: list(VOLUME), dnsConfig: POD_SPEC.object.dnsConfig, imagePullSecrets: list(obj({ name: 'string' })),
});

/** The minor version of k8s.io/api each Istio release vendors (its go.mod; Gopkg.lock release-1.11 for 1.1). */
export function kubernetesApiMinor(release: string): number {
  const [, minor] = release.split('.').map(Number);
  const table: Record<number, number> = {
    1: 11, 2: 13, 3: 13, 4: 16, 5: 17, 6: 18, 7: 18, 8: 19, 9: 20, 10: 20, 11: 21, 12: 22, 13: 24, 14: 24, 15: 24,
    16: 25, 17: 26, 18: 27, 19: 28, 20: 28, 21: 29, 22: 30, 23: 30, 24: 31, 25: 32, 26: 33, 27: 33, 28: 34, 29: 35, 30: 35,
  };
  return table[minor] ?? 35;
}

/** YAML 1.1's booleans and integers (yaml.v2's resolve.go), replacing js-yaml's YAML 1.2 core ones. */
const GO_YAML_SCHEMA = yaml.CORE_SCHEMA.extend({
  implicit: [
    new yaml.Type('tag:yaml.org,2002:bool', {
      kind: 'scalar',
      resolve: (data: string) => /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/.test(data),
      construct: (data: string) => /^(y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(data),
    }),
    new yaml.Type('tag:yaml.org,2002:int', {
      kind: 'scalar',
      resolve: (data: string) => /^[-+]?(0|[1-9][0-9_]*|0[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)$/.test(data),
      construct: (data: string) => {
        const sign = data.startsWith('-') ? -1 : 1;
        const digits = data.replace(/^[-+]/, '').replace(/_/g, '');
        if (digits.startsWith('0x')) return sign * parseInt(digits.slice(2), 16);
        if (digits.startsWith('0b')) return sign * parseInt(digits.slice(2), 2);
        if (digits.length > 1 && digits.startsWith('0')) return sign * parseInt(digits, 8);
        return sign * parseInt(digits, 10);
      },
    }),
  ],
});

/** Parses YAML the way Go's yaml.v2 reads it (YAML 1.1 scalars). */
export function loadGoYaml(text: string, what: string): unknown {
  try {
    return yaml.load(text, { schema: GO_YAML_SCHEMA });
  } catch (error) {
    throw new GoTemplateError(`${what} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** How to decode: ghodss/yaml's string conversion or encoding/json's strictness, and the vendored k8s.io/api. */
export interface DecodeOptions {
  readonly scalars: 'convert' | 'strict';
  readonly kubernetesMinor: number;
}

/**
 * Decodes JSON data into the Go types of `shape` and encodes it again, as json.Marshal writes it: zero values of
 * omitempty fields left out, pointers and `!` fields written, quantities canonical. `scalars: 'convert'` is
 * ghodss/yaml (numbers and booleans become strings in string fields), 'strict' is encoding/json (they fail, naming
 * the field). Fields the Go structs do not have are dropped. Returns undefined for a value encoding/json would leave out.
 */
export function decodeAs(shape: Shape, data: unknown, options: DecodeOptions, path = ''): unknown {
  const { scalars } = options;
  if (typeof shape === 'string') return decodeScalar(shape, data, scalars, path);
  if (data === null || data === undefined) return undefined;
  if ('list' in shape) {
    if (!Array.isArray(data)) throw new GoTemplateError(`json: cannot unmarshal ${typeof data} into Go struct field ${path} of type []`);
    const items = data.map((item, i) => decodeAs(shape.list, item, options, `${path}[${i}]`) ?? zeroOf(shape.list));
    return items.length === 0 ? undefined : items;
  }
  if (typeof data !== 'object' || Array.isArray(data)) throw new GoTemplateError(`json: cannot unmarshal ${Array.isArray(data) ? 'array' : typeof data} into Go struct field ${path} of type object`);
  const out: Record<string, unknown> = {};
  const always = 'object' in shape ? shape.always ?? [] : [];
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    let fieldShape: Shape;
    if ('map' in shape) {
      fieldShape = shape.map;
    } else {
      // json.Unmarshal drops what the struct lacks: unknown keys, and fields newer than the vendored k8s.io/api.
      const known = shape.object[key];
      if (known === undefined || (shape.since?.[key] ?? 0) > options.kubernetesMinor) continue;
      fieldShape = known;
    }
    const decoded = decodeAs(fieldShape, value, options, path ? `${path}.${key}` : key);
    if (decoded !== undefined) out[key] = decoded;
    else if ('map' in shape && value !== undefined) out[key] = zeroOf(fieldShape);
  }
  for (const key of always) if (!(key in out)) out[key] = zeroOf((shape as StructShape).object[key]);
  return 'map' in shape && Object.keys(out).length === 0 ? undefined : out;
}

function decodeScalar(shape: Scalar, data: unknown, scalars: 'convert' | 'strict', path: string): unknown {
  const pointer = shape.endsWith('*');
  const always = shape.endsWith('!') || shape === 'intOrString';
  const base = shape.replace(/[!*]$/, '');
  if (data === null || data === undefined) return always ? zeroOf(shape) : undefined;
  let value: unknown;
  switch (base) {
    case 'string':
      if (typeof data === 'string') value = data;
      else if ((typeof data === 'number' || typeof data === 'boolean') && scalars === 'convert') value = String(data);
      else throw new GoTemplateError(`json: cannot unmarshal ${typeof data} into Go struct field ${path} of type string`);
      break;
    case 'int':
      if (typeof data === 'number' && Number.isInteger(data)) value = data;
      else throw new GoTemplateError(`json: cannot unmarshal ${JSON.stringify(data)} into Go struct field ${path} of type int`);
      break;
    case 'bool':
      if (typeof data === 'boolean') value = data;
      else throw new GoTemplateError(`json: cannot unmarshal ${JSON.stringify(data)} into Go struct field ${path} of type bool`);
      break;
    case 'quantity':
      if (typeof data === 'string' || typeof data === 'number') return canonicalQuantity(data);
      throw new GoTemplateError(`quantities must be strings or numbers (got ${JSON.stringify(data)} at ${path})`);
    case 'intOrString':
      if (typeof data === 'string' || typeof data === 'number') return data;
      throw new GoTemplateError(`json: cannot unmarshal ${JSON.stringify(data)} into Go struct field ${path} of type intstr.IntOrString`);
    default:
      return dropNulls(data);
  }
  if (!pointer && !always && (value === '' || value === 0 || value === false)) return undefined;
  return value;
}

function zeroOf(shape: Shape): unknown {
  if (typeof shape !== 'string') return 'list' in shape || 'map' in shape ? null : {};
  if (shape.startsWith('string')) return '';
  if (shape.startsWith('int')) return 0;
  if (shape.startsWith('bool')) return false;
  if (shape.startsWith('quantity')) return '0';
  return {};
}

function dropNulls(data: unknown): unknown {
  if (Array.isArray(data)) return data.map(dropNulls);
  if (data !== null && typeof data === 'object') {
    return Object.fromEntries(Object.entries(data).filter(([, value]) => value !== null && value !== undefined).map(([key, value]) => [key, dropNulls(value)]));
  }
  return data;
}

/** The shape of a list of containers (for the overrides annotation). */
export const CONTAINER_SHAPE: Shape = CONTAINER;

/**
 * JSON data with its keys in Go's struct declaration order, as encoding/json writes a struct (the order of the shape;
 * fields the shape does not know follow in their own order), and the fields Go always writes added when empty.
 */
export function inGoFieldOrder(shape: Shape, data: unknown): unknown {
  if (data === null || data === undefined || typeof shape === 'string') return data;
  if ('list' in shape) return Array.isArray(data) ? data.map((item) => inGoFieldOrder(shape.list, item)) : data;
  if (typeof data !== 'object' || Array.isArray(data)) return data;
  const record = data as Record<string, unknown>;
  if ('map' in shape) return Object.fromEntries(Object.keys(record).sort().map((key) => [key, inGoFieldOrder(shape.map, record[key])]));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(shape.object)) {
    if (key in record) out[key] = inGoFieldOrder(shape.object[key], record[key]);
  }
  for (const key of Object.keys(record)) if (!(key in out)) out[key] = record[key];
  return out;
}

/** Merge keys of the Pod's lists, to pair an element of the original pod with its counterpart. */
const PAIRING_KEYS: Readonly<Record<string, string>> = { containers: 'name', initContainers: 'name', volumes: 'name', env: 'name', ports: 'containerPort', volumeMounts: 'mountPath', imagePullSecrets: 'name' };

/**
 * The injector's JSON patch only touches fields its Go structs know: fields of the original pod that the release's
 * k8s.io/api lacks (or that are newer than it) stay in the stored pod. Copies them from `original` into `result`,
 * pairing list elements by their merge key.
 */
export function keepFieldsUnknownToRelease(shape: Shape, original: unknown, result: unknown, kubernetesMinor: number, key = ''): unknown {
  if (typeof shape === 'string' || original === null || typeof original !== 'object' || result === null || typeof result !== 'object') return result;
  if ('list' in shape) {
    if (!Array.isArray(original) || !Array.isArray(result)) return result;
    const pairing = PAIRING_KEYS[key];
    return result.map((item, index) => {
      const counterpart = pairing
        ? original.find((candidate) => candidate && typeof candidate === 'object' && (candidate as Record<string, unknown>)[pairing] === (item as Record<string, unknown>)?.[pairing])
        : original[index];
      return counterpart === undefined ? item : keepFieldsUnknownToRelease(shape.list, counterpart, item, kubernetesMinor);
    });
  }
  if (Array.isArray(original) || Array.isArray(result)) return result;
  const source = original as Record<string, unknown>;
  const out: Record<string, unknown> = { ...(result as Record<string, unknown>) };
  for (const [field, value] of Object.entries(source)) {
    const fieldShape = 'map' in shape ? shape.map : shape.object[field];
    const unknown = !('map' in shape) && (fieldShape === undefined || (shape.since?.[field] ?? 0) > kubernetesMinor);
    if (unknown) {
      if (!(field in out)) out[field] = value;
    } else if (field in out) {
      out[field] = keepFieldsUnknownToRelease(fieldShape!, value, out[field], kubernetesMinor, field);
    }
  }
  return out;
}

/** The shape of a pod's security context, for the legacy injector's securityContext patch. */
export const POD_SECURITY_CONTEXT_SHAPE: Shape = POD_SECURITY_CONTEXT;
