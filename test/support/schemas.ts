/**
 * Validates synthesized objects against published schemas: kubernetes-models for the core kinds, and for
 * the Istio and Gateway API kinds the openAPIV3Schema of each version in the upstream CRD files kept in
 * imports/crds (Istio 1.30.3's crd-all.gen.yaml, Gateway API v1.5.1; see imports/crds/PROVENANCE.md), read
 * by the validator kubernetes-models itself uses. An object whose apiVersion and kind no schema covers is
 * itself an error, so nothing slips through unvalidated.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { register, validate } from '@kubernetes-models/validate';
import * as yaml from 'js-yaml';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as coreV1 from 'kubernetes-models/v1';

const MODELS_BY_API_VERSION: Record<string, Record<string, unknown>> = {
  'v1': coreV1,
  'apps/v1': appsV1,
  'rbac.authorization.k8s.io/v1': rbacV1,
};

const CRD_FILES = ['istio-1.30.3-networking-telemetry.yaml', 'gateway-api-v1.5.1-gateways-httproutes.yaml'];

/**
 * A CRD schema as JSON Schema: the `x-kubernetes-*` extensions are API-server rules a JSON Schema validator
 * cannot run (CEL validations, list semantics) and are dropped, except int-or-string, which becomes its
 * JSON Schema meaning. `strict` makes a field the schema does not declare an error, as the API server's strict
 * field validation (kubectl's default) does: every object with declared properties gets
 * `additionalProperties: false`, unless it preserves unknown fields or declares its own additionalProperties (a map).
 */
export function asJsonSchema(node: unknown, strict = false): unknown {
  if (Array.isArray(node)) return node.map((item) => asJsonSchema(item, strict));
  if (node === null || typeof node !== 'object') return node;
  const source = node as Record<string, unknown>;
  const schema: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key.startsWith('x-kubernetes-')) continue;
    // Below properties, every key is a field name, not a keyword.
    schema[key] = key === 'properties' && value && typeof value === 'object'
      ? Object.fromEntries(Object.entries(value).map(([field, child]) => [field, asJsonSchema(child, strict)]))
      : asJsonSchema(value, strict);
  }
  if (source['x-kubernetes-int-or-string'] === true) {
    delete schema.type;
    schema.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (strict && source.properties !== undefined && source.additionalProperties === undefined && source['x-kubernetes-preserve-unknown-fields'] !== true) {
    schema.additionalProperties = false;
  }
  return schema;
}

/** Schema ids of the CRD versions, by apiVersion and kind. */
const CRD_SCHEMAS = new Map<string, string>();
for (const file of CRD_FILES) {
  for (const crd of yaml.loadAll(fs.readFileSync(path.join(process.cwd(), 'imports', 'crds', file), 'utf8')) as any[]) {
    if (!crd) continue;
    for (const version of crd.spec.versions) {
      const id = `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`;
      register(id, asJsonSchema(version.schema.openAPIV3Schema) as object);
      CRD_SCHEMAS.set(`${crd.spec.group}/${version.name} ${crd.spec.names.kind}`, id);
    }
  }
}

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
    const crdSchema = CRD_SCHEMAS.get(`${object?.apiVersion} ${object?.kind}`);
    if (!Model && !crdSchema) {
      errors.push(`${where}: no schema known for this apiVersion and kind`);
      continue;
    }
    try {
      if (Model) new Model(object).validate();
      else validate(crdSchema!, object);
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
