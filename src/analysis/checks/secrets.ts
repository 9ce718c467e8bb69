import { AnalysisInput, SecretRequirement } from '../analysis-input';
import { describeName, describeObject } from '../manifest-set';

const INJECTION_LABEL = 'istio-injection';
const REVISION_LABEL = 'istio.io/rev';

/**
 * The lightstep.cacert Secret (and any other Secret a pod mounts) must exist, with the expected key, in each
 * namespace whose pods mount it. Istio's injector mounts it as an optional volume, so a missing Secret never
 * fails a pod: it only shows up as missing spans. This check is the only place that would notice.
 */
export function checkMountedSecrets({ manifests, secretRequirements, injectedSecretRequirements }: AnalysisInput): string[] {
  const requirements: SecretRequirement[] = [...secretRequirements];
  const injectedNamespaces = manifests.ofKind('Namespace')
    .filter(({ manifest }) => manifest.metadata?.labels?.[INJECTION_LABEL] === 'enabled' || manifest.metadata?.labels?.[REVISION_LABEL] !== undefined)
    .map(({ manifest }) => manifest.metadata.name as string);
  for (const requirement of injectedSecretRequirements) {
    for (const namespace of injectedNamespaces) requirements.push({ ...requirement, namespace, reason: `${requirement.reason} (namespace ${namespace} is labelled for sidecar injection)` });
  }

  const errors: string[] = [];
  for (const requirement of requirements) {
    const secret = manifests.find('Secret', requirement.namespace, requirement.name);
    if (!secret) {
      errors.push(`Secret ${requirement.namespace}/${requirement.name} is missing: ${requirement.reason}. Fix: create a LightstepCaCertSecret in namespace ${requirement.namespace} (or list the namespace where the tracing construct takes its namespaces)`);
    } else if (!hasKey(secret.manifest, requirement.key)) {
      errors.push(`${describeObject(secret.manifest)}: has no key ${JSON.stringify(requirement.key)}, which ${requirement.reason}. Fix: store the certificate under ${requirement.key} (the file name of the cacertPath)`);
    }
  }

  // A pod that mounts a Secret this output creates, but in another namespace, reads nothing.
  const secretNames = new Set(manifests.ofKind('Secret').map(({ manifest }) => manifest.metadata?.name));
  for (const pod of manifests.podTemplates) {
    (pod.spec.volumes ?? []).forEach((volume: any, index: number) => {
      const name = volume.secret?.secretName;
      if (!name || !secretNames.has(name)) return;
      // By its field path: a volume name the API server refuses is reported by the name check, not repeated here.
      const field = `${pod.specPath}.volumes[${index}]`;
      const secret = manifests.find('Secret', pod.namespace, name);
      if (!secret) {
        const namespace = describeName('Namespace', pod.namespace);
        errors.push(`${describeObject(pod.owner.manifest)}: ${field} mounts Secret ${describeName('Secret', name)}, which this output creates in other namespaces but not in ${namespace}. Fix: create it in ${namespace} too`);
        return;
      }
      for (const item of volume.secret.items ?? []) {
        if (!hasKey(secret.manifest, item.key)) errors.push(`${describeObject(pod.owner.manifest)}: ${field} reads key ${item.key}, which ${describeObject(secret.manifest)} does not have. Fix: correct the key`);
      }
    });
  }
  return errors;
}

function hasKey(secret: any, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(secret.data ?? {}, key) || Object.prototype.hasOwnProperty.call(secret.stringData ?? {}, key);
}
