import { App } from 'cdk8s';
import { ConfigurationError } from '../src/configuration-error';
import { AppConfig } from './app-config';
import { buildLightstepBookinfoApp } from './lightstep-bookinfo-app';

/**
 * Keys whose problem the constructs keep raising even when the key is left out, each with the stand-in that lets
 * the next build get past it. Stand-ins are only ever built in a throwaway App: a file with a problem writes nothing.
 */
const STAND_INS: Readonly<Record<string, (document: Record<string, unknown>) => void>> = {
  // Without a usable CA file a secure tracer refuses to build at all; plaintext needs no CA.
  'lightstep.caCertificateFile': (document) => {
    removeKey(document, 'lightstep.caCertificateFile');
    setKey(document, 'lightstep.secure', false);
  },
  // Plaintext refused for an address that takes TLS only: keep it plaintext, to an address that would take it, so that
  // a secure default does not raise a CA problem the file never had.
  'lightstep.secure': (document) => {
    setKey(document, 'lightstep.address', 'plaintext-satellite.invalid:9292');
  },
};

/**
 * What the constructs refuse in a configuration, every problem at once: cross-field checks (an ingress the release
 * cannot serve, a route to a version not deployed, a CA the release needs) and the checks of single values that
 * only a construct makes. The constructs stop at their first problem, so the app is built again and again in a
 * throwaway App: after each refusal the key it names is read as if the file did not give it (or with a stand-in),
 * and the next build reaches the next check. These are the constructs' own checks, so none is repeated here.
 *
 * @param document the parsed configuration file, which is not changed
 * @param read reads a configuration document (with defaults for what is missing or wrong), ignoring its problems
 * @param reported keys that already have a problem: a construct's complaint about one of them is a consequence
 * @returns the problems, each under its configuration key and with the value the file gives for that key
 */
export function constructProblems(document: unknown, read: (document: unknown) => AppConfig, reported: ReadonlySet<string>): ConfigurationError[] {
  const probe = structuredClone(isMapping(document) ? document : {});
  const found: ConfigurationError[] = [];
  const neutralized = new Set<string>();
  // Every round either neutralizes a new key or stops, so the number of rounds is bounded by the number of keys.
  for (;;) {
    let problem: ConfigurationError;
    try {
      buildLightstepBookinfoApp(new App(), read(probe));
      return found;
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      problem = error;
    }
    const key = problem.field;
    // A prop that no key gives stays for the real build to report; a key that stays wrong cannot be got past.
    if (!isConfigKey(key) || neutralized.has(key)) return found;
    if (!reported.has(key) && !found.some((known) => known.field === key)) {
      const written = valueAt(document, key);
      found.push(new ConfigurationError(key, written === undefined ? problem.value : written, problem.problem, problem.fix));
    }
    neutralized.add(key);
    (STAND_INS[key] ?? ((doc: Record<string, unknown>) => removeKey(doc, key)))(probe);
  }
}

/** Configuration keys are dotted lower-camel names (`bookinfo.ingress`); construct props start with their class. */
function isConfigKey(field: string): boolean {
  return /^[a-z][A-Za-z]*(\.[a-z][A-Za-z]*)*$/.test(field);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a dotted key of the document, as the file gives it; undefined when the file does not give it. */
function valueAt(document: unknown, key: string): unknown {
  const value = descend(document, key.split('.'));
  return value === null ? undefined : value;
}

function descend(document: unknown, parts: readonly string[]): unknown {
  return parts.reduce<unknown>((value, part) => (isMapping(value) ? value[part] : undefined), document);
}

function removeKey(document: Record<string, unknown>, key: string): void {
  const parts = key.split('.');
  const parent = descend(document, parts.slice(0, -1));
  if (isMapping(parent)) delete parent[parts[parts.length - 1]];
}

function setKey(document: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let parent = document;
  for (const part of parts.slice(0, -1)) {
    if (!isMapping(parent[part])) parent[part] = {};
    parent = parent[part] as Record<string, unknown>;
  }
  parent[parts[parts.length - 1]] = value;
}
