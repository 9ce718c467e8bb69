/**
 * Go's encodings as the injector's functions produce them: encoding/json's Marshal (HTML-safe escaping) and
 * sigs.k8s.io/yaml's Marshal (JSON, then gopkg.in/yaml.v2 of the decoded value: sorted keys, block style, sequences
 * at their key's indentation, strings quoted when YAML 1.1 would read them as something else).
 */
import { GoTemplateError } from './go-value';
import { formatFloat } from './go-value';

/** encoding/json.Marshal of JSON data: keys in the order given (callers sort maps), <, > and & escaped. */
export function goJsonMarshal(data: unknown): string {
  const text = JSON.stringify(data, (_key, value) => (value === undefined ? null : value));
  if (text === undefined) return 'null';
  return text
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Plain scalars YAML 1.1 (yaml.v2) would not read back as the same string. */
function resolvesToNonString(text: string): boolean {
  if (text === '' || text === '~') return true;
  if (/^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/.test(text)) return true;
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(text) || /^[-+]?0[0-7_]+$/.test(text) || /^[-+]?0x[0-9a-fA-F_]+$/.test(text) || /^[-+]?0b[01_]+$/.test(text)) return true;
  if (/^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$/.test(text)) return true;
  if (/^[-+]?\.(inf|Inf|INF)$/.test(text) || /^\.(nan|NaN|NAN)$/.test(text)) return true;
  if (/^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/.test(text)) return true;
  if (text === '<<' || text === '=') return true;
  return false;
}

function canBePlain(text: string): boolean {
  if (resolvesToNonString(text)) return false;
  if (/^[\s]|[\s]$/.test(text)) return false;
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(text)) return false;
  if (/[\x00-\x1f\x7f]/.test(text)) return false;
  if (text.includes(': ') || text.includes(' #') || text.endsWith(':')) return false;
  return true;
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) < 1e21 ? String(value) : formatFloat(value);
  if (typeof value === 'string') return canBePlain(value) ? value : JSON.stringify(value);
  throw new GoTemplateError(`cannot marshal ${typeof value} to YAML`);
}

function emit(value: unknown, indent: string, lines: string[], prefix: string): void {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      lines.push(`${prefix}[]`);
      return;
    }
    // prefix is "key:" (sequence goes on the next lines at the key's indentation) or "" at top level / in a list.
    if (prefix) lines.push(prefix);
    for (const item of value) {
      if (isNonEmptyContainer(item)) {
        const start = lines.length;
        emit(item, `${indent}  `, lines, '');
        // The first line of the item goes after the dash.
        lines[start] = `${indent}- ${lines[start].slice(indent.length + 2)}`;
      } else {
        lines.push(`${indent}- ${inline(item)}`);
      }
    }
    return;
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) {
      lines.push(`${prefix}{}`);
      return;
    }
    if (prefix) lines.push(prefix);
    const childIndent = prefix ? `${indent}  ` : indent;
    for (const key of keys) {
      const item = (value as Record<string, unknown>)[key];
      const head = `${childIndent}${scalar(key)}:`;
      if (Array.isArray(item) && item.length > 0) emit(item, childIndent, lines, head);
      else if (isNonEmptyContainer(item)) emit(item, childIndent, lines, head);
      else lines.push(`${head} ${inline(item)}`);
    }
    return;
  }
  lines.push(`${prefix}${scalar(value)}`);
}

function isNonEmptyContainer(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return value !== null && typeof value === 'object' && Object.keys(value).length > 0;
}

function inline(value: unknown): string {
  if (Array.isArray(value)) return '[]';
  if (value !== null && typeof value === 'object') return '{}';
  return scalar(value);
}

/** sigs.k8s.io/yaml.Marshal of JSON data, ending with a newline. */
export function goYamlMarshal(data: unknown): string {
  const lines: string[] = [];
  if (isNonEmptyContainer(data)) emit(data, '', lines, '');
  else lines.push(inline(data));
  return `${lines.join('\n')}\n`;
}
