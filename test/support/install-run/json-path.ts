/**
 * kubectl's JSONPath for `kubectl get -o jsonpath=`, the part the install notes and verify.sh use: fields (with \. inside
 * a key), [n], [*], [?(@.f=="v")], string literals, range/end. As with kubectl get, missing keys print nothing and the
 * results of one expression are joined by a space.
 */

interface Token {
  readonly text?: string;
  readonly expr?: string;
}

/** Renders a JSONPath template against an object, as `kubectl get -o jsonpath=TEMPLATE` prints it. */
export function jsonPath(template: string, root: unknown): string {
  const tokens: Token[] = [];
  const re = /\{((?:[^{}"]|"(?:[^"\\]|\\.)*")*)\}/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(template))) {
    if (m.index > last) tokens.push({ text: template.slice(last, m.index) });
    tokens.push({ expr: m[1].trim() });
    last = re.lastIndex;
  }
  if (last < template.length) tokens.push({ text: template.slice(last) });
  return render(tokens, 0, root)[0];
}

function render(tokens: Token[], start: number, node: unknown): [string, number] {
  let out = '';
  let i = start;
  while (i < tokens.length) {
    const { text, expr } = tokens[i];
    if (text !== undefined) {
      out += text;
    } else if (expr === 'end') {
      return [out, i + 1];
    } else if (expr!.startsWith('range ')) {
      for (const item of evaluate(expr!.slice(6).trim(), node)) out += render(tokens, i + 1, item)[0];
      i = endOfRange(tokens, i + 1);
      continue;
    } else if (expr!.startsWith('"')) {
      out += JSON.parse(expr!);
    } else {
      out += evaluate(expr!, node).map((value) => (typeof value === 'object' ? JSON.stringify(value) : String(value))).join(' ');
    }
    i++;
  }
  return [out, i];
}

function endOfRange(tokens: Token[], start: number): number {
  let depth = 1;
  for (let i = start; i < tokens.length; i++) {
    if (tokens[i].expr?.startsWith('range ')) depth++;
    if (tokens[i].expr === 'end' && --depth === 0) return i + 1;
  }
  return tokens.length;
}

function evaluate(expr: string, node: unknown): unknown[] {
  let nodes: any[] = [node];
  let rest = expr;
  while (rest.length > 0) {
    const field = /^\.((?:[^.[\\]|\\.)+)/.exec(rest);
    const index = /^\[(\d+)\]/.exec(rest);
    const filter = /^\[\?\(@\.([A-Za-z0-9_]+)=="([^"]*)"\)\]/.exec(rest);
    let step: string;
    if (field) {
      const key = field[1].replace(/\\\./g, '.');
      nodes = nodes.flatMap((n) => (n && typeof n === 'object' && key in n ? [n[key]] : []));
      step = field[0];
    } else if (rest.startsWith('[*]')) {
      nodes = nodes.flatMap((n) => (Array.isArray(n) ? n : []));
      step = '[*]';
    } else if (index) {
      nodes = nodes.flatMap((n) => (Array.isArray(n) && Number(index[1]) < n.length ? [n[Number(index[1])]] : []));
      step = index[0];
    } else if (filter) {
      nodes = nodes.flatMap((n) => (Array.isArray(n) ? n.filter((item) => item && item[filter[1]] === filter[2]) : []));
      step = filter[0];
    } else {
      throw new Error(`unsupported JSONPath ${expr}`);
    }
    rest = rest.slice(step.length);
  }
  return nodes;
}
