import {
  annotationsSizeProblem, dns1123LabelProblem, DNS1123_LABEL_RULE, DNS1035_LABEL_RULE, DNS1123_SUBDOMAIN_RULE, envVarNameProblem,
  ENV_VAR_NAME_RULE, LABEL_VALUE_RULE, labelValueProblem, objectNameProblem, portNameProblem, PORT_NAME_RULE, qualifiedNameProblem,
  QUALIFIED_NAME_RULE,
} from '../_kubernetes-names';
import { AnalysisInput } from '../analysis-input';
import { describeObject, PlacedObject, PodTemplate } from '../manifest-set';

// The Secret the LightStep tracer reads its CA from: a volume cdk8s-plus names after it ("secret-lightstep.cacert")
// is the common way to get an invalid volume name, and the library has its own way to mount it.
const LIGHTSTEP_CA_SECRET = 'lightstep.cacert';
const LIGHTSTEP_CA_VOLUME_FIX = 'mount the CA with the library: secret.mountInto(container) of the LightstepCaCertSecret (a volume named lightstep-cacert at /etc/lightstep, '
  + 'where the tracer reads cacert.pem), or give the volume a valid name: kplus.Volume.fromSecret(scope, id, secret, { name: \'lightstep-cacert\' })';

/** Problems of one object, each naming the object, its construct, the field, the value and the fix. */
class ObjectProblems {
  public constructor(private readonly object: PlacedObject, private readonly into: string[]) {}

  public add(field: string, value: unknown, problem: string, fix: string): void {
    this.into.push(`${describeObject(this.object.manifest)} (construct ${this.object.path}): ${field} ${JSON.stringify(value)} is not valid: ${problem}. Fix: ${fix}`);
  }

  /** A required name that is missing, or two entries with the same name. */
  public addPlain(field: string, problem: string, fix: string): void {
    this.into.push(`${describeObject(this.object.manifest)} (construct ${this.object.path}): ${field} ${problem}. Fix: ${fix}`);
  }

  public labels(field: string, labels: unknown): void {
    for (const [key, value] of Object.entries(asRecord(labels))) {
      const keyProblem = qualifiedNameProblem(key);
      if (keyProblem) this.add(`${field} key`, key, keyProblem, `rename the label key: ${QUALIFIED_NAME_RULE}`);
      const valueProblem = labelValueProblem(value);
      if (valueProblem) this.add(`${field}[${JSON.stringify(key)}]`, value, valueProblem, `change the label value: ${LABEL_VALUE_RULE}`);
    }
  }

  public annotations(field: string, annotations: unknown): void {
    const record = asRecord(annotations);
    for (const key of Object.keys(record)) {
      // The rule of label keys, except that case does not matter.
      const problem = qualifiedNameProblem(key.toLowerCase());
      if (problem) this.add(`${field} key`, key, problem, `rename the annotation key: ${QUALIFIED_NAME_RULE}`);
    }
    const sizeProblem = annotationsSizeProblem(record);
    if (sizeProblem) this.addPlain(field, `are too large: ${sizeProblem}`, 'move large data to a ConfigMap and keep annotations short');
  }

  public metadata(field: string, metadata: any): void {
    this.labels(`${field}.labels`, metadata?.labels);
    this.annotations(`${field}.annotations`, metadata?.annotations);
  }

  public selector(field: string, selector: any): void {
    this.labels(`${field}.matchLabels`, selector?.matchLabels);
    (selector?.matchExpressions ?? []).forEach((expression: any, index: number) => {
      const keyProblem = qualifiedNameProblem(expression?.key);
      if (keyProblem) this.add(`${field}.matchExpressions[${index}].key`, expression?.key, keyProblem, `use a valid label key: ${QUALIFIED_NAME_RULE}`);
    });
  }

  public port(field: string, value: unknown): void {
    if (!isPort(value)) this.add(field, value, 'it is not a port number', 'use an integer from 1 to 65535');
  }
}

/**
 * Every name the API server checks, in every object of the app: object names and namespaces, label keys and
 * values, annotation keys and size, selectors; in every pod spec (Pods, workload templates, CronJob templates):
 * volume and container names, container port names and numbers, environment variable names, volume mounts;
 * Service port names, numbers and target ports; Istio Gateway and Gateway API listener ports.
 */
export function checkNamesLabelsAndPorts({ manifests }: AnalysisInput): string[] {
  const errors: string[] = [];
  for (const object of manifests.objects) checkObject(object, new ObjectProblems(object, errors));
  for (const pod of manifests.podTemplates) checkPodSpec(pod, new ObjectProblems(pod.owner, errors));
  return errors;
}

function checkObject(object: PlacedObject, problems: ObjectProblems): void {
  const { manifest } = object;
  const name = manifest.metadata?.name;
  const nameProblem = objectNameProblem(manifest.kind, name);
  if (nameProblem) {
    const rule = manifest.kind === 'Service' ? DNS1035_LABEL_RULE : manifest.kind === 'Namespace' ? DNS1123_LABEL_RULE : DNS1123_SUBDOMAIN_RULE;
    problems.add('metadata.name', name, nameProblem, `rename the ${manifest.kind}: ${rule}`);
  }
  if (manifest.metadata?.namespace !== undefined) {
    const problem = dns1123LabelProblem(manifest.metadata.namespace);
    if (problem) problems.add('metadata.namespace', manifest.metadata.namespace, problem, `use a namespace name of ${DNS1123_LABEL_RULE}`);
  }
  problems.metadata('metadata', manifest.metadata);
  const spec = manifest.spec;
  if (spec?.template?.metadata) problems.metadata('spec.template.metadata', spec.template.metadata);
  if (manifest.kind === 'CronJob') {
    problems.metadata('spec.jobTemplate.metadata', spec?.jobTemplate?.metadata);
    problems.metadata('spec.jobTemplate.spec.template.metadata', spec?.jobTemplate?.spec?.template?.metadata);
    problems.selector('spec.jobTemplate.spec.selector', spec?.jobTemplate?.spec?.selector);
  }
  if (manifest.kind === 'PodTemplate') problems.metadata('template.metadata', manifest.template?.metadata);
  if (manifest.kind === 'Service' || manifest.kind === 'ReplicationController') problems.labels('spec.selector', spec?.selector);
  else if (spec?.selector && typeof spec.selector === 'object') problems.selector('spec.selector', spec.selector);

  if (manifest.kind === 'Service') checkServicePorts(spec?.ports ?? [], problems);
  if (String(manifest.apiVersion).startsWith('networking.istio.io/') && manifest.kind === 'Gateway') {
    (spec?.servers ?? []).forEach((server: any, index: number) => problems.port(`spec.servers[${index}].port.number`, server?.port?.number));
  }
  if (String(manifest.apiVersion).startsWith('gateway.networking.k8s.io/') && manifest.kind === 'Gateway') {
    (spec?.listeners ?? []).forEach((listener: any, index: number) => problems.port(`spec.listeners[${index}].port`, listener?.port));
  }
}

/** Service ports: names are DNS-1123 labels, required and distinct when there are several; named target ports are port names. */
function checkServicePorts(ports: any[], problems: ObjectProblems): void {
  const seen = new Set<string>();
  ports.forEach((port, index) => {
    const field = `spec.ports[${index}]`;
    if (port?.name === undefined || port.name === '') {
      if (ports.length > 1) problems.addPlain(`${field}.name`, 'is missing: a Service with several ports must name each one', `name the port, e.g. http or grpc-otlp (${DNS1123_LABEL_RULE})`);
    } else {
      const problem = dns1123LabelProblem(port.name);
      if (problem) problems.add(`${field}.name`, port.name, problem, `rename the port: ${DNS1123_LABEL_RULE}, e.g. http or grpc-otlp`);
      else if (seen.has(port.name)) problems.addPlain(`${field}.name`, `repeats the name ${port.name} of an earlier port`, 'give every port of the Service its own name');
      seen.add(port.name);
    }
    problems.port(`${field}.port`, port?.port);
    if (typeof port?.targetPort === 'number') problems.port(`${field}.targetPort`, port.targetPort);
    else if (typeof port?.targetPort === 'string') {
      const problem = portNameProblem(port.targetPort);
      if (problem) problems.add(`${field}.targetPort`, port.targetPort, `it is neither a port number nor a port name: ${problem}`, 'give the number or the name of a containerPort of the pods');
    }
  });
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** Volume, container, port and environment variable names of one pod spec, and the volumes its containers mount. */
function checkPodSpec(pod: PodTemplate, problems: ObjectProblems): void {
  const spec = pod.spec;
  const volumeNames = new Set<string>();
  asArray(spec.volumes).forEach((volume: any, index: number) => {
    const field = `${pod.specPath}.volumes[${index}].name`;
    const problem = dns1123LabelProblem(volume?.name);
    if (problem) problems.add(field, volume?.name, problem, volumeNameFix(volume));
    else if (volumeNames.has(volume.name)) problems.addPlain(field, `repeats the name ${volume.name} of an earlier volume`, 'give every volume of the pod its own name');
    volumeNames.add(volume?.name);
  });

  const containerNames = new Set<string>();
  for (const list of CONTAINER_LISTS) {
    asArray(spec[list]).forEach((container: any, index: number) => {
      const field = `${pod.specPath}.${list}[${index}]`;
      const problem = dns1123LabelProblem(container?.name);
      if (problem) problems.add(`${field}.name`, container?.name, problem, `rename the container: ${DNS1123_LABEL_RULE}`);
      else if (containerNames.has(container.name)) problems.addPlain(`${field}.name`, `repeats the name ${container.name} of an earlier container of the pod`, 'give every container, init container and ephemeral container of the pod its own name');
      containerNames.add(container?.name);
      checkContainer(container, field, volumeNames, problems);
    });
  }
}

function checkContainer(container: any, field: string, volumeNames: Set<string>, problems: ObjectProblems): void {
  const portNames = new Set<string>();
  asArray(container?.ports).forEach((port: any, index: number) => {
    problems.port(`${field}.ports[${index}].containerPort`, port?.containerPort);
    if (port?.name === undefined || port.name === '') return;
    const problem = portNameProblem(port.name);
    if (problem) problems.add(`${field}.ports[${index}].name`, port.name, problem, `rename the port: ${PORT_NAME_RULE}, e.g. http or grpc-otlp`);
    else if (portNames.has(port.name)) problems.addPlain(`${field}.ports[${index}].name`, `repeats the name ${port.name} of an earlier port of the container`, 'give every port of the container its own name');
    portNames.add(port.name);
  });
  asArray(container?.env).forEach((variable: any, index: number) => {
    const problem = envVarNameProblem(variable?.name);
    if (problem) problems.add(`${field}.env[${index}].name`, variable?.name, problem, `rename the variable: ${ENV_VAR_NAME_RULE}`);
  });
  asArray(container?.envFrom).forEach((source: any, index: number) => {
    if (source?.prefix === undefined || source.prefix === '') return;
    const problem = envVarNameProblem(source.prefix);
    if (problem) problems.add(`${field}.envFrom[${index}].prefix`, source.prefix, problem, `change the prefix: ${ENV_VAR_NAME_RULE}`);
  });
  asArray(container?.volumeMounts).forEach((mount: any, index: number) => {
    if (volumeNames.has(mount?.name)) return;
    const valid = dns1123LabelProblem(mount?.name) === undefined;
    const known = [...volumeNames].filter((name) => dns1123LabelProblem(name) === undefined);
    problems.addPlain(`${field}.volumeMounts[${index}].name`, `${valid ? `names volume ${mount.name}` : `is ${JSON.stringify(mount?.name)}`}, which the pod does not have`,
      `mount a volume of the pod${known.length ? ` (${known.join(', ')})` : ''}, or add the volume to the pod`);
  });
}

/** How to name a volume validly: cdk8s-plus names a Secret's or ConfigMap's volume after it unless told otherwise. */
function volumeNameFix(volume: any): string {
  if (volume?.secret?.secretName === LIGHTSTEP_CA_SECRET) return LIGHTSTEP_CA_VOLUME_FIX;
  if (volume?.secret) return `give the volume a name: kplus.Volume.fromSecret(scope, id, secret, { name: 'my-secret' }) (${DNS1123_LABEL_RULE})`;
  if (volume?.configMap) return `give the volume a name: kplus.Volume.fromConfigMap(scope, id, configMap, { name: 'my-config' }) (${DNS1123_LABEL_RULE})`;
  return `rename the volume (and its volumeMounts): ${DNS1123_LABEL_RULE}`;
}

function isPort(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : {};
}

function asArray(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}
