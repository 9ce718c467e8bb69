/**
 * The Kubernetes and Gateway API Go types the injection and gateway templates read (k8s.io/api core/v1,
 * k8s.io/apimachinery meta/v1 and types, sigs.k8s.io/gateway-api apis/v1): field names as Go spells them, JSON keys
 * from their json tags, and declaration order (json.Marshal's order, e.g. for `structToJSON` of a ContainerPort).
 * Only the fields templates use are modelled; reading any other field of a modelled type throws "not modelled"
 * rather than guessing its zero value. Types the templates never look into are opaque: they can be tested, passed
 * and marshalled, but not read.
 */
import {
  BOOL, GoType, INT32, INT64, STRING, STRING_MAP, STRING_SLICE, StructField, StructType,
  mapOf, ptrTo, sliceOf,
} from './go-value';

/** A struct modelled in part: fields not listed throw when read. */
function partialStruct(name: string, fields: () => StructField[], extra: Partial<StructType> = {}): StructType {
  return {
    kind: 'struct',
    name,
    fields,
    origin: 'only the fields that Istio\'s templates read are modelled here',
    ...extra,
  };
}

/** A struct templates never read into: it marshals as its JSON data. */
export function opaque(name: string): StructType {
  return {
    kind: 'struct',
    name,
    fields: () => [],
    origin: 'not modelled here: no Istio template reads its fields',
    toJSON: (value) => value.data,
  };
}

const field = (name: string, json: string, type: GoType, omitEmpty = true): StructField => ({ name, json, type, omitEmpty });
const named = (name: string): GoType => ({ kind: 'string', name });

export const TYPE_META: StructType = partialStruct('v1.TypeMeta', () => [
  field('Kind', 'kind', STRING),
  field('APIVersion', 'apiVersion', STRING),
]);

export const OWNER_REFERENCE: StructType = partialStruct('v1.OwnerReference', () => [
  field('APIVersion', 'apiVersion', STRING, false),
  field('Kind', 'kind', STRING, false),
  field('Name', 'name', STRING, false),
  field('UID', 'uid', named('types.UID'), false),
  field('Controller', 'controller', ptrTo(BOOL)),
  field('BlockOwnerDeletion', 'blockOwnerDeletion', ptrTo(BOOL)),
]);

export const OBJECT_META: StructType = partialStruct('v1.ObjectMeta', () => [
  field('Name', 'name', STRING),
  field('GenerateName', 'generateName', STRING),
  field('Namespace', 'namespace', STRING),
  field('SelfLink', 'selfLink', STRING),
  field('UID', 'uid', named('types.UID')),
  field('ResourceVersion', 'resourceVersion', STRING),
  field('Generation', 'generation', INT64),
  field('CreationTimestamp', 'creationTimestamp', opaque('v1.Time'), false),
  field('DeletionTimestamp', 'deletionTimestamp', ptrTo(opaque('v1.Time'))),
  field('DeletionGracePeriodSeconds', 'deletionGracePeriodSeconds', ptrTo(INT64)),
  field('Labels', 'labels', STRING_MAP),
  field('Annotations', 'annotations', STRING_MAP),
  field('OwnerReferences', 'ownerReferences', sliceOf(OWNER_REFERENCE)),
  field('Finalizers', 'finalizers', STRING_SLICE),
  field('ManagedFields', 'managedFields', sliceOf(opaque('v1.ManagedFieldsEntry'))),
]);

/** k8s.io/apimachinery/pkg/types.NamespacedName (no json tags: its JSON keys are the Go names). */
export const NAMESPACED_NAME: StructType = partialStruct('types.NamespacedName', () => [
  field('Namespace', 'Namespace', STRING, false),
  field('Name', 'Name', STRING, false),
]);

export const CONTAINER_PORT: StructType = partialStruct('v1.ContainerPort', () => [
  field('Name', 'name', STRING),
  field('HostPort', 'hostPort', INT32),
  field('ContainerPort', 'containerPort', INT32, false),
  field('Protocol', 'protocol', named('v1.Protocol')),
  field('HostIP', 'hostIP', STRING),
]);

export const ENV_VAR: StructType = partialStruct('v1.EnvVar', () => [
  field('Name', 'name', STRING, false),
  field('Value', 'value', STRING),
  field('ValueFrom', 'valueFrom', ptrTo(opaque('v1.EnvVarSource'))),
]);

export const CONTAINER: StructType = partialStruct('v1.Container', () => [
  field('Name', 'name', STRING, false),
  field('Image', 'image', STRING),
  field('Command', 'command', STRING_SLICE),
  field('Args', 'args', STRING_SLICE),
  field('WorkingDir', 'workingDir', STRING),
  field('Ports', 'ports', sliceOf(CONTAINER_PORT)),
  field('EnvFrom', 'envFrom', sliceOf(opaque('v1.EnvFromSource'))),
  field('Env', 'env', sliceOf(ENV_VAR)),
  field('Resources', 'resources', opaque('v1.ResourceRequirements'), false),
  field('RestartPolicy', 'restartPolicy', ptrTo(named('v1.ContainerRestartPolicy'))),
  field('VolumeMounts', 'volumeMounts', sliceOf(opaque('v1.VolumeMount'))),
  field('LivenessProbe', 'livenessProbe', ptrTo(opaque('v1.Probe'))),
  field('ReadinessProbe', 'readinessProbe', ptrTo(opaque('v1.Probe'))),
  field('StartupProbe', 'startupProbe', ptrTo(opaque('v1.Probe'))),
  field('Lifecycle', 'lifecycle', ptrTo(opaque('v1.Lifecycle'))),
  field('TerminationMessagePath', 'terminationMessagePath', STRING),
  field('TerminationMessagePolicy', 'terminationMessagePolicy', named('v1.TerminationMessagePolicy')),
  field('ImagePullPolicy', 'imagePullPolicy', named('v1.PullPolicy')),
  field('SecurityContext', 'securityContext', ptrTo(opaque('v1.SecurityContext'))),
  field('Stdin', 'stdin', BOOL),
  field('StdinOnce', 'stdinOnce', BOOL),
  field('TTY', 'tty', BOOL),
]);

export const LOCAL_OBJECT_REFERENCE: StructType = partialStruct('v1.LocalObjectReference', () => [field('Name', 'name', STRING)]);

export const POD_SPEC: StructType = partialStruct('v1.PodSpec', () => [
  field('Volumes', 'volumes', sliceOf(opaque('v1.Volume'))),
  field('InitContainers', 'initContainers', sliceOf(CONTAINER)),
  field('Containers', 'containers', sliceOf(CONTAINER), false),
  field('RestartPolicy', 'restartPolicy', named('v1.RestartPolicy')),
  field('TerminationGracePeriodSeconds', 'terminationGracePeriodSeconds', ptrTo(INT64)),
  field('DNSPolicy', 'dnsPolicy', named('v1.DNSPolicy')),
  field('NodeSelector', 'nodeSelector', STRING_MAP),
  field('ServiceAccountName', 'serviceAccountName', STRING),
  field('DeprecatedServiceAccount', 'serviceAccount', STRING),
  field('AutomountServiceAccountToken', 'automountServiceAccountToken', ptrTo(BOOL)),
  field('NodeName', 'nodeName', STRING),
  field('HostNetwork', 'hostNetwork', BOOL),
  field('HostPID', 'hostPID', BOOL),
  field('HostIPC', 'hostIPC', BOOL),
  field('SecurityContext', 'securityContext', ptrTo(opaque('v1.PodSecurityContext'))),
  field('ImagePullSecrets', 'imagePullSecrets', sliceOf(LOCAL_OBJECT_REFERENCE)),
  field('Hostname', 'hostname', STRING),
  field('Subdomain', 'subdomain', STRING),
  field('Affinity', 'affinity', ptrTo(opaque('v1.Affinity'))),
  field('SchedulerName', 'schedulerName', STRING),
  field('Tolerations', 'tolerations', sliceOf(opaque('v1.Toleration'))),
  field('PriorityClassName', 'priorityClassName', STRING),
  field('DNSConfig', 'dnsConfig', ptrTo(opaque('v1.PodDNSConfig'))),
]);

/** core/v1 ServicePort, as the Gateway deployment controller builds them (TemplateInput.Ports). */
export const SERVICE_PORT: StructType = partialStruct('v1.ServicePort', () => [
  field('Name', 'name', STRING),
  field('Protocol', 'protocol', named('v1.Protocol')),
  field('AppProtocol', 'appProtocol', ptrTo(STRING)),
  field('Port', 'port', INT32, false),
  field('TargetPort', 'targetPort', opaque('intstr.IntOrString')),
  field('NodePort', 'nodePort', INT32),
]);

const GATEWAY_LISTENER: StructType = partialStruct('v1.Listener', () => [
  field('Name', 'name', named('v1.SectionName'), false),
  field('Hostname', 'hostname', ptrTo(named('v1.Hostname'))),
  field('Port', 'port', { kind: 'int', name: 'v1.PortNumber' }, false),
  field('Protocol', 'protocol', named('v1.ProtocolType'), false),
  field('TLS', 'tls', ptrTo(opaque('v1.GatewayTLSConfig'))),
  field('AllowedRoutes', 'allowedRoutes', ptrTo(opaque('v1.AllowedRoutes'))),
]);

const GATEWAY_ADDRESS: StructType = partialStruct('v1.GatewayAddress', () => [
  field('Type', 'type', ptrTo(named('v1.AddressType'))),
  field('Value', 'value', STRING, false),
]);

const GATEWAY_INFRASTRUCTURE: StructType = partialStruct('v1.GatewayInfrastructure', () => [
  field('Labels', 'labels', mapOf(named('v1.LabelKey'), named('v1.LabelValue'))),
  field('Annotations', 'annotations', mapOf(named('v1.AnnotationKey'), named('v1.AnnotationValue'))),
  field('ParametersRef', 'parametersRef', ptrTo(opaque('v1.LocalParametersReference'))),
]);

const GATEWAY_SPEC: StructType = partialStruct('v1.GatewaySpec', () => [
  field('GatewayClassName', 'gatewayClassName', named('v1.ObjectName'), false),
  field('Listeners', 'listeners', sliceOf(GATEWAY_LISTENER), false),
  field('Addresses', 'addresses', sliceOf(GATEWAY_ADDRESS)),
  field('Infrastructure', 'infrastructure', ptrTo(GATEWAY_INFRASTRUCTURE)),
]);

/** gateway.networking.k8s.io Gateway: TypeMeta and ObjectMeta embedded, so `.Name` and `.Labels` are promoted. */
export const GATEWAY: StructType = partialStruct('v1.Gateway', () => [
  { name: 'TypeMeta', json: '', type: TYPE_META, embedded: true },
  { name: 'ObjectMeta', json: 'metadata', type: OBJECT_META, embedded: true },
  field('Spec', 'spec', GATEWAY_SPEC, false),
  field('Status', 'status', opaque('v1.GatewayStatus')),
]);

