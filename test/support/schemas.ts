/**
 * Validates synthesized objects against the published schemas: kubernetes-models (core),
 * @kubernetes-models/istio and @kubernetes-models/gateway-api. An object whose apiVersion and kind no
 * schema covers is itself an error, so nothing slips through unvalidated.
 */
import * as gatewayApiV1 from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1';
import * as gatewayApiV1beta1 from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1';
import * as networkingV1 from '@kubernetes-models/istio/networking.istio.io/v1';
import * as networkingV1alpha3 from '@kubernetes-models/istio/networking.istio.io/v1alpha3';
import * as networkingV1beta1 from '@kubernetes-models/istio/networking.istio.io/v1beta1';
import * as telemetryV1 from '@kubernetes-models/istio/telemetry.istio.io/v1';
import * as telemetryV1alpha1 from '@kubernetes-models/istio/telemetry.istio.io/v1alpha1';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as coreV1 from 'kubernetes-models/v1';

const MODELS_BY_API_VERSION: Record<string, Record<string, unknown>> = {
  'v1': coreV1,
  'apps/v1': appsV1,
  'rbac.authorization.k8s.io/v1': rbacV1,
  'networking.istio.io/v1': networkingV1,
  'networking.istio.io/v1beta1': networkingV1beta1,
  'networking.istio.io/v1alpha3': networkingV1alpha3,
  'telemetry.istio.io/v1': telemetryV1,
  'telemetry.istio.io/v1alpha1': telemetryV1alpha1,
  'gateway.networking.k8s.io/v1': gatewayApiV1,
  'gateway.networking.k8s.io/v1beta1': gatewayApiV1beta1,
};

interface ValidatingModel {
  validate(): void;
}
type ModelClass = new (data: unknown) => ValidatingModel;

/** Returns one message per object that fails its schema; empty when all validate. */
export function schemaErrors(objects: readonly any[]): string[] {
  const errors: string[] = [];
  for (const object of objects) {
    const where = `${object?.apiVersion}/${object?.kind} ${object?.metadata?.namespace ?? ''}/${object?.metadata?.name}`;
    const Model = MODELS_BY_API_VERSION[object?.apiVersion]?.[object?.kind] as ModelClass | undefined;
    if (!Model) {
      errors.push(`${where}: no schema known for this apiVersion and kind`);
      continue;
    }
    try {
      new Model(object).validate();
    } catch (error) {
      errors.push(`${where}: ${(error as Error).message}`);
    }
  }
  return errors;
}

/** Fails the test with every schema error at once. */
export function expectSchemaValid(objects: readonly any[]): void {
  expect(schemaErrors(objects)).toEqual([]);
}
