/**
 * The Pod a workload's controller asks the API server to create, which is what the injection webhook receives:
 * the pod template with the controller's generateName and owner reference (deployment, replicaset, statefulset,
 * daemonset, job controllers of kube-controller-manager). Values that only exist at runtime are fixed fakes:
 * - a Deployment's ReplicaSet hash: `pod-template-hash: FAKE_POD_TEMPLATE_HASH`, ReplicaSet `<name>-<hash>`;
 * - owner UIDs: `00000000-0000-0000-0000-000000000000`.
 * The API server's own defaulting and admission plugins (ServiceAccount token volume, default protocol TCP,
 * imagePullPolicy, terminationMessagePath...) are not applied.
 */
import { GoTemplateError } from './go-value';

type Json = Record<string, any>;

export const FAKE_POD_TEMPLATE_HASH = '7d4b9c8f6d';
const FAKE_UID = '00000000-0000-0000-0000-000000000000';

const owner = (apiVersion: string, kind: string, name: string) => ({ apiVersion, kind, name, uid: FAKE_UID, controller: true, blockOwnerDeletion: true });

/** The pod created for `workload` (a Pod is returned as it is). */
export function admittedPod(workload: Json): Json {
  const kind = String(workload.kind ?? '');
  const name = String(workload.metadata?.name ?? '');
  const namespace = workload.metadata?.namespace;
  const fromTemplate = (template: Json, generateName: string, ownerRef: Json, extraLabels: Record<string, string> = {}): Json => {
    const metadata: Json = JSON.parse(JSON.stringify(template?.metadata ?? {}));
    metadata.generateName = generateName;
    if (namespace !== undefined) metadata.namespace = namespace;
    if (Object.keys(extraLabels).length > 0) metadata.labels = { ...(metadata.labels ?? {}), ...extraLabels };
    metadata.ownerReferences = [ownerRef];
    return { apiVersion: 'v1', kind: 'Pod', metadata, spec: JSON.parse(JSON.stringify(template?.spec ?? {})) };
  };
  switch (kind) {
    case 'Pod':
      return JSON.parse(JSON.stringify(workload));
    case 'Deployment': {
      const replicaSet = `${name}-${FAKE_POD_TEMPLATE_HASH}`;
      return fromTemplate(workload.spec?.template, `${replicaSet}-`, owner('apps/v1', 'ReplicaSet', replicaSet), { 'pod-template-hash': FAKE_POD_TEMPLATE_HASH });
    }
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
      return fromTemplate(workload.spec?.template, `${name}-`, owner('apps/v1', kind, name));
    case 'Job':
      return fromTemplate(workload.spec?.template, `${name}-`, owner('batch/v1', 'Job', name));
    case 'ReplicationController':
      return fromTemplate(workload.spec?.template, `${name}-`, owner('v1', 'ReplicationController', name));
    default:
      throw new GoTemplateError(`cannot make a pod from a ${kind || 'object without kind'}: give a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController or Job`);
  }
}
