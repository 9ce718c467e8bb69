import * as yaml from 'js-yaml';
import { KubeObject } from './cluster';

/** The objects of a YAML stream as kubectl reads it: empty documents skipped, `List` objects expanded. */
export function objectsOfStream(text: string, source: string): KubeObject[] {
  let documents: unknown[];
  try {
    documents = yaml.loadAll(text, undefined, { filename: source });
  } catch (error) {
    throw new Error(`error: error parsing ${source}: ${(error as Error).message.split('\n')[0]}`);
  }
  return documents.flatMap((document) => {
    if (document === null || document === undefined) return [];
    if (typeof document !== 'object' || Array.isArray(document)) throw new Error(`error: error parsing ${source}: a document is not an object`);
    const object = document as KubeObject;
    return object.kind === 'List' || (typeof object.kind === 'string' && object.kind.endsWith('List') && Array.isArray(object.items))
      ? (object.items as KubeObject[])
      : [object];
  });
}

export function toYamlStream(objects: KubeObject[]): string {
  return objects.map((object) => `---\n${yaml.dump(object, { noRefs: true, lineWidth: -1, sortKeys: false })}`).join('');
}
