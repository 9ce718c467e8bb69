/**
 * Every section of the configuration file refuses keys it does not know. The sections come from the README's
 * configuration reference (the keys a user reads about), not from the reader's code: a section whose reader stops
 * checking its keys fails here.
 */
import * as fs from 'node:fs';
import * as yaml from 'js-yaml';
import { parseAppConfig } from '../charts/app-config';
import { ConfigFileError } from '../charts/config-reader';

const README = fs.readFileSync('README.md', 'utf8');
const reference = README.slice(README.indexOf('### Configuration reference'));
const rows = reference.slice(0, reference.indexOf('\n## ')).split('\n').filter((line) => line.startsWith('| `'));

/** Each documented key, e.g. "lightstep.accessTokenSecret", with its example cell. */
const documented = rows.flatMap((row) => {
  const [keys, , example] = row.split(' | ');
  return [...keys.matchAll(/`([a-zA-Z.]+)(?::[^`]*)?`/g)].map((match) => ({ key: match[1], example: example ?? '' }));
});

/** Keys whose value is a free mapping (pod labels), where any key is the user's. */
const FREE_MAPPINGS = new Set(['istio.ingressGatewaySelector']);

/** The sections a key lives in ('' is the top level), and the sections that are mappings of their own (an example `{name: ..., key: ...}`). */
const sections = [...new Set([
  '',
  ...documented.map(({ key }) => key.split('.').slice(0, -1).join('.')),
  ...documented.filter(({ key, example }) => /`\{\w+: /.test(example) && !FREE_MAPPINGS.has(key)).map(({ key }) => key),
])].sort();

/** A configuration that the reader accepts, with `section` present so that an unknown key can be added to it. */
function validConfigWith(section: string): Record<string, any> {
  const config: Record<string, any> = { lightstep: { address: 'satellite.lightstep:9292', secure: false } };
  const example = documented.find(({ key }) => key === section)?.example;
  const mapping = example ? /`(\{[^`]+\})`/.exec(example)?.[1] : undefined;
  let node = config;
  for (const key of section.split('.').filter(Boolean)) node = node[key] ??= {};
  if (mapping) Object.assign(node, yaml.load(mapping));
  return config;
}

describe('every section of the configuration refuses an unknown key', () => {
  test('the README documents the sections of the file', () => {
    expect(sections).toEqual(expect.arrayContaining(['', 'istio', 'lightstep', 'lightstep.accessTokenSecret', 'tracing', 'tracing.collector', 'bookinfo']));
  });

  test.each(sections.map((section) => [section || '(top level)', section]))('%s', (_label, section) => {
    const config = validConfigWith(section);
    expect(() => parseAppConfig(yaml.dump(config), 'lightstep.yaml', '.')).not.toThrow();
    let node = config;
    for (const key of section.split('.').filter(Boolean)) node = node[key];
    node.notAKey = 1;
    const key = section ? `${section}.notAKey` : 'notAKey';
    let error: unknown;
    try {
      parseAppConfig(yaml.dump(config), 'lightstep.yaml', '.');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigFileError);
    expect((error as ConfigFileError).problems.map((problem) => problem.field)).toEqual([key]);
    expect((error as ConfigFileError).message).toContain(`${key}: unknown key`);
  });
});
