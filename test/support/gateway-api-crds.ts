/**
 * The Gateway API CRDs an INSTALL.md installs, read from its own kustomize command, and strict validation of
 * Gateway API objects against the schema of exactly that gateway-api release and channel
 * (test/fixtures/gateway-api/crd-schemas.tsv, derived from kubernetes-sigs/gateway-api; see its README.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { register, validate } from '@kubernetes-models/validate';
import { asJsonSchema } from './schemas';

const GATEWAY_API_DIR = fileURLToPath(new URL('../fixtures/gateway-api', import.meta.url));
const GROUP = 'gateway.networking.k8s.io';

/** A gateway-api release and the channel of it that a kustomize path installs. */
export interface GatewayApiCrdInstall {
  readonly tag: string;
  readonly channel: 'standard' | 'experimental';
}

interface SchemaRow {
  readonly tag: string;
  readonly channel: string;
  readonly kustomizePath: string;
  readonly kind: string;
  readonly version: string;
  readonly served: boolean;
  readonly schema: string;
}

const ROWS: SchemaRow[] = fs.readFileSync(path.join(GATEWAY_API_DIR, 'crd-schemas.tsv'), 'utf8').split('\n').slice(1).filter(Boolean)
  .map((line) => {
    const [tag, channel, kustomizePath, kind, version, served, , schema] = line.split('\t');
    return { tag, channel, kustomizePath, kind, version, served: served === 'true', schema };
  });

/**
 * The CRDs that the `kubectl kustomize "github.com/kubernetes-sigs/gateway-api/<path>?ref=<tag>"` commands of an
 * INSTALL.md install, each as the channel its path holds; a path the fixtures do not know is an error.
 */
export function gatewayApiCrdInstallsOf(installNotes: string): GatewayApiCrdInstall[] {
  return [...installNotes.matchAll(/kubectl kustomize "github\.com\/kubernetes-sigs\/gateway-api\/([^"?]+)\?ref=([\w.-]+)"/g)].map(([, kustomizePath, tag]) => {
    const row = ROWS.find((candidate) => candidate.kustomizePath === kustomizePath && candidate.tag === tag);
    if (!row) throw new Error(`INSTALL.md installs gateway-api ${kustomizePath} at ${tag}, which test/fixtures/gateway-api does not hold`);
    return { tag, channel: row.channel as GatewayApiCrdInstall['channel'] };
  });
}

/**
 * One message per Gateway API object of `objects` that the CRDs of `install` would refuse under strict field
 * validation: an apiVersion the CRD does not serve, a field its schema does not declare, a value its schema forbids.
 * Objects of other API groups are not looked at.
 */
export function strictGatewayApiErrors(objects: readonly any[], install: GatewayApiCrdInstall): string[] {
  const errors: string[] = [];
  for (const object of objects.filter((o) => String(o?.apiVersion).startsWith(`${GROUP}/`))) {
    const where = `${object.kind} ${object.metadata?.namespace ?? ''}/${object.metadata?.name} (${object.apiVersion})`;
    const version = String(object.apiVersion).slice(GROUP.length + 1);
    const row = ROWS.find((candidate) => candidate.tag === install.tag && candidate.channel === install.channel && candidate.kind === object.kind && candidate.version === version);
    if (!row || !row.served) {
      errors.push(`${where}: gateway-api ${install.tag} ${install.channel} serves no ${object.kind} ${version}`);
      continue;
    }
    const id = `strict ${row.schema}`;
    register(id, asJsonSchema(JSON.parse(fs.readFileSync(path.join(GATEWAY_API_DIR, 'crd-schemas', row.schema), 'utf8')), true) as object);
    try {
      validate(id, object);
    } catch (error) {
      const details: any[] = (error as any).errors ?? [];
      const problems = details.length === 0 ? [(error as Error).message] : details.map((detail) => detail.keyword === 'additionalProperties'
        ? `${detail.instancePath || '/'}: unknown field "${detail.params.additionalProperty}"`
        : `${detail.instancePath || '/'}: ${detail.message}`);
      errors.push(`${where}: gateway-api ${install.tag} ${install.channel} refuses it: ${[...new Set(problems)].join('; ')}`);
    }
  }
  return errors;
}
