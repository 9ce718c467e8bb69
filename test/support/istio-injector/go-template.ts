/**
 * A Go text/template evaluator, written from the language as Go's text/template package (lex.go, parse/, exec.go,
 * funcs.go) defines it, for the templates Istio's sidecar injector and gateway controller run: text and actions with
 * trim markers, comments, custom delimiters, if / else if / else, range (with `$i, $v :=`, break, continue, else),
 * with (and `else with`), define / template / block, variables (`:=` and `=`), pipelines, parenthesised pipelines
 * with field access, literals, field chains over structs, maps and methods, and Go's builtin functions.
 *
 * Whatever the evaluator does not know throws a GoTemplateError naming it: it never prints a guess.
 */
import {
  ANY, BOOL, FLOAT64, GoTemplateError, GoType, GoValue, INT, STRING, Value, assignable, formatValue, fromData,
  isNil, isTrue, readField, structField, structMethod, throughEmbedded, typeName, zero,
} from './go-value';

export { GoTemplateError } from './go-value';

/** A function callable from templates. */
export interface GoFunction {
  /**
   * Parameter types, as the Go function declares them. Arguments are converted to these types as text/template does
   * (literals to the parameter's kind, values checked for assignability). `undefined` means the function takes
   * reflect.Value arguments, as Go's comparison builtins do, and receives them unconverted (possibly invalid).
   */
  readonly params?: readonly GoType[];
  /** The last parameter is `...T`: `params` ends with T. */
  readonly variadic?: boolean;
  readonly call: (args: Value[]) => Value;
}

export type FunctionMap = Readonly<Record<string, GoFunction>>;

/** Which Go release's text/template semantics to follow, where they changed. */
export interface GoSemantics {
  /**
   * Go 1.18 and later: `and`/`or` stop at the deciding argument, `break`/`continue` exist, and `eq`/`ne` accept
   * values that are not of a basic kind (a missing value compares unequal instead of failing).
   */
  readonly go118: boolean;
}

export interface ParseOptions {
  readonly leftDelim?: string;
  readonly rightDelim?: string;
  readonly functions: FunctionMap;
  readonly semantics?: GoSemantics;
}

// ---------------------------------------------------------------------------------------------------------------
// Lexer (text/template/parse/lex.go)

type ItemType =
  | 'text' | 'leftDelim' | 'rightDelim' | 'space' | 'field' | 'identifier' | 'variable' | 'string' | 'rawString'
  | 'number' | 'charConstant' | 'bool' | 'nil' | 'dot' | 'pipe' | 'leftParen' | 'rightParen' | 'declare' | 'assign'
  | 'char' | 'keyword' | 'comment' | 'eof';

interface Item {
  readonly type: ItemType;
  readonly value: string;
  readonly line: number;
}

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);
const isSpaceChar = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlphaNumeric = (c: string) => c === '_' || /[\p{L}\p{Nd}]/u.test(c);

function lex(name: string, input: string, leftDelim: string, rightDelim: string, go118: boolean): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let line = 1;
  const fail = (message: string): never => {
    throw new GoTemplateError(`template: ${name}:${line}: ${message}`);
  };
  const emit = (type: ItemType, value: string) => {
    items.push({ type, value, line });
    line += value.split('\n').length - 1;
  };
  const leftTrim = `${leftDelim}-`;

  while (pos < input.length) {
    // Text up to the next action.
    const next = input.indexOf(leftDelim, pos);
    const textEnd = next < 0 ? input.length : next;
    let text = input.slice(pos, textEnd);
    if (next >= 0) {
      const after = input.slice(next + leftDelim.length);
      if (after.length >= 2 && after[0] === '-' && isSpaceChar(after[1])) text = text.replace(/[ \t\r\n]+$/, '');
    }
    if (text.length > 0) emit('text', text);
    if (next < 0) break;
    pos = next;

    // The action: left delimiter, optional trim marker, then a comment or the action's items.
    let trimmedLeft = false;
    if (input.startsWith(leftTrim, pos) && isSpaceChar(input[pos + leftTrim.length] ?? '')) {
      trimmedLeft = true;
    }
    const delimLength = leftDelim.length + (trimmedLeft ? 2 : 0);
    const afterDelim = pos + delimLength;
    if (input.startsWith('/*', afterDelim)) {
      const close = input.indexOf('*/', afterDelim + 2);
      if (close < 0) fail('unclosed comment');
      let end = close + 2;
      let trimRight = false;
      if (isSpaceChar(input[end] ?? '') && input[end + 1] === '-' && input.startsWith(rightDelim, end + 2)) {
        trimRight = true;
        end += 2;
      }
      if (!input.startsWith(rightDelim, end)) fail('comment ends before closing delimiter');
      line += input.slice(pos, end).split('\n').length - 1;
      pos = end + rightDelim.length;
      if (trimRight) while (pos < input.length && isSpaceChar(input[pos])) pos++;
      continue;
    }
    emit('leftDelim', leftDelim);
    pos = afterDelim;
    let parenDepth = 0;
    // Inside the action.
    for (;;) {
      // Right delimiter, possibly with its trim marker.
      if (isSpaceChar(input[pos] ?? '') && input[pos + 1] === '-' && input.startsWith(rightDelim, pos + 2)) {
        if (parenDepth > 0) fail('unclosed left paren');
        line += input[pos] === '\n' ? 1 : 0;
        emit('rightDelim', rightDelim);
        pos += 2 + rightDelim.length;
        while (pos < input.length && isSpaceChar(input[pos])) {
          if (input[pos] === '\n') line++;
          pos++;
        }
        break;
      }
      if (input.startsWith(rightDelim, pos)) {
        if (parenDepth > 0) fail('unclosed left paren');
        emit('rightDelim', rightDelim);
        pos += rightDelim.length;
        break;
      }
      if (pos >= input.length) fail('unclosed action');
      const c = input[pos];
      if (isSpaceChar(c)) {
        let end = pos;
        while (end < input.length && isSpaceChar(input[end]) && !(input[end + 1] === '-' && input.startsWith(rightDelim, end + 2))) end++;
        if (end === pos) end = pos + 1;
        emit('space', input.slice(pos, end));
        pos = end;
      } else if (c === '=') {
        emit('assign', '=');
        pos++;
      } else if (c === ':') {
        if (input[pos + 1] !== '=') fail('expected :=');
        emit('declare', ':=');
        pos += 2;
      } else if (c === '|') {
        emit('pipe', '|');
        pos++;
      } else if (c === '"') {
        let end = pos + 1;
        for (; end < input.length && input[end] !== '"'; end++) {
          if (input[end] === '\\') end++;
          if (input[end] === '\n') fail('unterminated quoted string');
        }
        if (end >= input.length) fail('unterminated quoted string');
        emit('string', input.slice(pos, end + 1));
        pos = end + 1;
      } else if (c === '`') {
        const end = input.indexOf('`', pos + 1);
        if (end < 0) fail('unterminated raw quoted string');
        emit('rawString', input.slice(pos, end + 1));
        pos = end + 1;
      } else if (c === '$') {
        let end = pos + 1;
        while (end < input.length && isAlphaNumeric(input[end])) end++;
        emit('variable', input.slice(pos, end));
        pos = end;
      } else if (c === "'") {
        let end = pos + 1;
        for (; end < input.length && input[end] !== "'"; end++) if (input[end] === '\\') end++;
        if (end >= input.length) fail('unterminated character constant');
        emit('charConstant', input.slice(pos, end + 1));
        pos = end + 1;
      } else if (c === '.') {
        // A field (.Name), a number (.5) or the cursor (.).
        const following = input[pos + 1] ?? '';
        if (/[0-9]/.test(following)) {
          pos = lexNumber(pos);
        } else if (isAlphaNumeric(following)) {
          let end = pos + 1;
          while (end < input.length && isAlphaNumeric(input[end])) end++;
          emit('field', input.slice(pos, end));
          pos = end;
        } else {
          emit('dot', '.');
          pos++;
        }
      } else if (c === '+' || c === '-' || /[0-9]/.test(c)) {
        pos = lexNumber(pos);
      } else if (isAlphaNumeric(c)) {
        let end = pos;
        while (end < input.length && isAlphaNumeric(input[end])) end++;
        const word = input.slice(pos, end);
        if (KEYWORDS.has(word) && (go118 || (word !== 'break' && word !== 'continue'))) emit('keyword', word);
        else if (word === 'true' || word === 'false') emit('bool', word);
        else if (word === 'nil') emit('nil', word);
        else emit('identifier', word);
        pos = end;
      } else if (c === '(') {
        emit('leftParen', '(');
        parenDepth++;
        pos++;
      } else if (c === ')') {
        parenDepth--;
        if (parenDepth < 0) fail('unexpected right paren');
        emit('rightParen', ')');
        pos++;
      } else if (c === ',') {
        emit('char', ',');
        pos++;
      } else {
        fail(`unrecognized character in action: ${JSON.stringify(c)}`);
      }
    }
  }
  emit('eof', '');
  return items;

  function lexNumber(start: number): number {
    const match = /^[+-]?(0[xX][0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|0[bB][01_]+|0[oO][0-7_]+|([0-9][0-9_]*)?(\.[0-9_]*)?([eE][+-]?[0-9_]+)?)i?/.exec(input.slice(start));
    const text = match?.[0] ?? '';
    if (!text || /^[+-]?$/.test(text) || isAlphaNumeric(input[start + text.length] ?? '')) {
      fail(`bad number syntax: ${JSON.stringify(input.slice(start, start + text.length + 1))}`);
    }
    emit('number', text);
    return start + text.length;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Parse tree (text/template/parse/node.go)

type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'action'; readonly pipe: PipeNode; readonly line: number }
  | { readonly kind: 'if' | 'with'; readonly pipe: PipeNode; readonly list: ListNode; readonly elseList?: ListNode; readonly line: number }
  | { readonly kind: 'range'; readonly pipe: PipeNode; readonly list: ListNode; readonly elseList?: ListNode; readonly line: number }
  | { readonly kind: 'template'; readonly name: string; readonly pipe?: PipeNode; readonly line: number }
  | { readonly kind: 'break' | 'continue'; readonly line: number };

interface ListNode { readonly nodes: Node[] }

interface PipeNode {
  readonly decl: string[];
  readonly isAssign: boolean;
  readonly cmds: CommandNode[];
  readonly line: number;
  readonly text: string;
}

interface CommandNode { readonly args: ArgNode[] }

type ArgNode =
  | { readonly kind: 'field'; readonly ident: string[] }
  | { readonly kind: 'variable'; readonly ident: string[] }
  | { readonly kind: 'chain'; readonly node: ArgNode; readonly field: string[] }
  | { readonly kind: 'identifier'; readonly ident: string }
  | { readonly kind: 'pipe'; readonly pipe: PipeNode }
  | { readonly kind: 'dot' }
  | { readonly kind: 'nil' }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly text: string; readonly number: NumberValue };

interface NumberValue {
  readonly isInt: boolean;
  readonly isFloat: boolean;
  readonly int?: number;
  readonly float?: number;
}

class Parser {
  private pos = 0;
  private readonly vars: string[][] = [['$']];
  private rangeDepth = 0;

  constructor(
    private readonly name: string,
    private readonly items: Item[],
    private readonly templates: Map<string, ListNode>,
    private readonly functions: FunctionMap,
  ) {}

  parseTemplate(): ListNode {
    const list: Node[] = [];
    while (this.peekNonSpace().type !== 'eof') {
      if (this.peek().type === 'leftDelim' && this.items[this.skipSpaceFrom(this.pos + 1)].value === 'define'
        && this.items[this.skipSpaceFrom(this.pos + 1)].type === 'keyword') {
        this.next();
        this.nextNonSpace();
        this.parseDefinition();
        continue;
      }
      const node = this.textOrAction();
      if (node === 'end' || node === 'else') this.error(`unexpected {{${node}}}`);
      list.push(node);
    }
    return { nodes: list };
  }

  private parseDefinition(): void {
    const nameItem = this.nextNonSpace();
    const templateName = this.stringValue(nameItem, 'define clause');
    this.expect('rightDelim', 'define clause');
    this.vars.push(['$']);
    const [list, end] = this.itemList();
    this.vars.pop();
    if (end !== 'end') this.error(`unexpected {{${end}}} in define clause`);
    this.templates.set(templateName, list);
  }

  private textOrAction(): Node | 'end' | 'else' {
    const item = this.nextNonSpace();
    if (item.type === 'text') return { kind: 'text', text: item.value };
    if (item.type === 'leftDelim') return this.action();
    return this.error(`unexpected ${item.value} in input`);
  }

  /** Nodes up to {{end}} or {{else}}; returns which ended the list. */
  private itemList(): [ListNode, 'end' | 'else'] {
    const nodes: Node[] = [];
    for (;;) {
      if (this.peekNonSpace().type === 'eof') this.error('unexpected EOF');
      const node = this.textOrAction();
      if (node === 'end' || node === 'else') return [{ nodes }, node];
      nodes.push(node);
    }
  }

  private action(): Node | 'end' | 'else' {
    const item = this.nextNonSpace();
    if (item.type === 'keyword') {
      switch (item.value) {
        case 'block': return this.blockControl(item.line);
        case 'break': case 'continue': {
          if (this.rangeDepth === 0) this.error(`{{${item.value}}} outside {{range}}`);
          this.expect('rightDelim', item.value);
          return { kind: item.value, line: item.line };
        }
        case 'define': return this.error('define clause must be at the top level');
        case 'else': return this.elseControl();
        case 'end': {
          this.expect('rightDelim', 'end');
          return 'end';
        }
        case 'if': return this.branch('if', item.line);
        case 'range': return this.branch('range', item.line);
        case 'template': return this.templateControl(item.line);
        case 'with': return this.branch('with', item.line);
        default: break;
      }
    }
    this.backup();
    const pipe = this.pipeline('command', 'rightDelim');
    return { kind: 'action', pipe, line: item.line };
  }

  // `{{else}}` ends a list; `{{else if ...}}` and `{{else with ...}}` start a nested branch, read by branch().
  private pendingElseChain?: 'if' | 'with';

  private elseControl(): 'else' {
    const peek = this.peekNonSpace();
    if (peek.type === 'keyword' && (peek.value === 'if' || peek.value === 'with')) {
      this.pendingElseChain = peek.value;
      return 'else';
    }
    this.expect('rightDelim', 'else');
    return 'else';
  }

  private branch(kind: 'if' | 'with' | 'range', line: number): Node {
    this.vars.push([...this.vars[this.vars.length - 1]]);
    const pipe = this.pipeline(kind, 'rightDelim');
    if (kind === 'range') this.rangeDepth++;
    const [list, end] = this.itemList();
    if (kind === 'range') this.rangeDepth--;
    let elseList: ListNode | undefined;
    if (end === 'else') {
      const chain = this.pendingElseChain;
      this.pendingElseChain = undefined;
      if (chain && (kind === chain)) {
        // {{else if x}} is {{else}}{{if x}}...{{end}}{{end}}: the nested branch consumes the single {{end}}.
        const keyword = this.nextNonSpace();
        const nested = this.branchAfterElse(chain, keyword.line);
        elseList = { nodes: [nested] };
      } else if (chain) {
        this.error(`{{else ${chain}}} after {{${kind}}}`);
      } else {
        const [list2, end2] = this.itemList();
        if (end2 !== 'end') this.error('expected end; found {{else}}');
        elseList = list2;
      }
    }
    this.vars.pop();
    return { kind, pipe, list, elseList, line } as Node;
  }

  private branchAfterElse(kind: 'if' | 'with', line: number): Node {
    return this.branch(kind, line);
  }

  private blockControl(line: number): Node {
    const nameItem = this.nextNonSpace();
    const name = this.stringValue(nameItem, 'block clause');
    const pipe = this.pipeline('block', 'rightDelim');
    this.vars.push(['$']);
    const [list, end] = this.itemList();
    this.vars.pop();
    if (end !== 'end') this.error('unexpected {{else}} in block clause');
    this.templates.set(name, list);
    return { kind: 'template', name, pipe, line };
  }

  private templateControl(line: number): Node {
    const nameItem = this.nextNonSpace();
    const name = this.stringValue(nameItem, 'template clause');
    let pipe: PipeNode | undefined;
    if (this.peekNonSpace().type !== 'rightDelim') pipe = this.pipeline('template', 'rightDelim');
    else this.nextNonSpace();
    return { kind: 'template', name, pipe, line };
  }

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const start = this.peekNonSpace();
    const decl: string[] = [];
    let isAssign = false;
    // Variable declarations: `$x :=`, `$x =`, `$i, $v :=` (range only).
    const declStart = this.pos;
    const first = this.peekNonSpace();
    if (first.type === 'variable') {
      this.nextNonSpace();
      const afterVar = this.peekNonSpace();
      if (afterVar.type === 'declare' || afterVar.type === 'assign') {
        this.nextNonSpace();
        decl.push(first.value);
        isAssign = afterVar.type === 'assign';
        if (!isAssign) this.vars[this.vars.length - 1].push(first.value);
      } else if (afterVar.type === 'char' && afterVar.value === ',') {
        this.nextNonSpace();
        const second = this.nextNonSpace();
        if (context !== 'range' || second.type !== 'variable') this.error(`too many declarations in ${context}`);
        const op = this.nextNonSpace();
        if (op.type !== 'declare' && op.type !== 'assign') this.error(`expected := or = in ${context}`);
        isAssign = op.type === 'assign';
        decl.push(first.value, second.value);
        if (!isAssign) this.vars[this.vars.length - 1].push(first.value, second.value);
      } else {
        this.pos = declStart;
      }
    }
    const cmds: CommandNode[] = [];
    for (;;) {
      const item = this.nextNonSpace();
      if (item.type === end) break;
      if (!['bool', 'charConstant', 'dot', 'field', 'identifier', 'number', 'nil', 'rawString', 'string', 'variable', 'leftParen'].includes(item.type)) {
        this.error(`unexpected ${JSON.stringify(item.value || 'EOF')} in ${context}`);
      }
      this.backup();
      cmds.push(this.command());
    }
    if (cmds.length === 0) this.error(`missing value for ${context}`);
    for (const cmd of cmds.slice(1)) {
      const firstArg = cmd.args[0];
      if (['bool', 'dot', 'nil', 'number', 'string'].includes(firstArg.kind)) this.error(`non executable command in pipeline stage ${cmds.indexOf(cmd) + 1}`);
    }
    const text = this.items.slice(declStart, this.pos).map((item) => item.value).join('').trim();
    return { decl, isAssign, cmds, line: start.line, text };
  }

  private command(): CommandNode {
    const args: ArgNode[] = [];
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) args.push(operand);
      const item = this.next();
      if (item.type === 'space') continue;
      if (item.type === 'rightDelim' || item.type === 'rightParen') this.backup();
      else if (item.type !== 'pipe') this.error(`unexpected ${JSON.stringify(item.value)} in operand`);
      break;
    }
    if (args.length === 0) this.error('empty command');
    return { args };
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (!node) return undefined;
    if (this.peek().type === 'field') {
      const fields: string[] = [];
      while (this.peek().type === 'field') fields.push(this.next().value.slice(1));
      switch (node.kind) {
        case 'field': return { kind: 'field', ident: [...node.ident, ...fields] };
        case 'variable': return { kind: 'variable', ident: [...node.ident, ...fields] };
        case 'bool': case 'string': case 'number': case 'nil': case 'dot':
          return this.error(`unexpected . after term ${JSON.stringify(node.kind)}`);
        default: return { kind: 'chain', node, field: fields };
      }
    }
    return node;
  }

  private term(): ArgNode | undefined {
    const item = this.nextNonSpace();
    switch (item.type) {
      case 'identifier':
        if (!(item.value in this.functions) && !BUILTIN_NAMES.has(item.value)) this.error(`function ${JSON.stringify(item.value)} not defined`);
        return { kind: 'identifier', ident: item.value };
      case 'dot': return { kind: 'dot' };
      case 'nil': return { kind: 'nil' };
      case 'variable': {
        if (!this.vars[this.vars.length - 1].includes(item.value)) this.error(`undefined variable ${JSON.stringify(item.value)}`);
        return { kind: 'variable', ident: [item.value] };
      }
      case 'field': return { kind: 'field', ident: [item.value.slice(1)] };
      case 'bool': return { kind: 'bool', value: item.value === 'true' };
      case 'charConstant': case 'number': return { kind: 'number', text: item.value, number: parseNumber(item.value, item.type === 'charConstant', (m) => this.error(m)) };
      case 'leftParen': {
        const pipe = this.pipeline('parenthesized pipeline', 'rightParen');
        return { kind: 'pipe', pipe };
      }
      case 'string': case 'rawString': return { kind: 'string', value: unquote(item.value, (m) => this.error(m)) };
      default:
        this.backup();
        return undefined;
    }
  }

  private stringValue(item: Item, context: string): string {
    if (item.type !== 'string' && item.type !== 'rawString') this.error(`unexpected ${JSON.stringify(item.value)} in ${context}`);
    return unquote(item.value, (m) => this.error(m));
  }

  private expect(type: ItemType, context: string): Item {
    const item = this.nextNonSpace();
    if (item.type !== type) this.error(`unexpected ${JSON.stringify(item.value)} in ${context}`);
    return item;
  }

  private peek(): Item { return this.items[this.pos]; }
  private next(): Item { return this.items[this.pos++]; }
  private backup(): void { this.pos--; }
  private skipSpaceFrom(index: number): number {
    while (this.items[index]?.type === 'space') index++;
    return index;
  }
  private nextNonSpace(): Item {
    let item = this.next();
    while (item.type === 'space') item = this.next();
    return item;
  }
  private peekNonSpace(): Item {
    const item = this.nextNonSpace();
    this.backup();
    return item;
  }
  private error(message: string): never {
    throw new GoTemplateError(`template: ${this.name}:${this.items[Math.max(0, this.pos - 1)]?.line ?? 0}: ${message}`);
  }
}

const BUILTIN_NAMES = new Set(['and', 'call', 'html', 'index', 'slice', 'js', 'len', 'not', 'or', 'print', 'printf', 'println', 'urlquery', 'eq', 'ge', 'gt', 'le', 'lt', 'ne']);

/** strconv.Unquote of a Go string literal ("..." with escapes, or `raw`), or a character constant. */
function unquote(text: string, fail: (message: string) => never): string {
  if (text.startsWith('`')) return text.slice(1, -1).replace(/\r/g, '');
  const body = text.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };
    if (e in simple) {
      out += simple[e];
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const length = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + length);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== length) fail(`invalid syntax: ${text}`);
      out += e === 'x' ? String.fromCharCode(parseInt(hex, 16)) : String.fromCodePoint(parseInt(hex, 16));
      i += length;
    } else if (/[0-7]/.test(e)) {
      out += String.fromCharCode(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else {
      fail(`invalid syntax: ${text}`);
    }
  }
  return out;
}

/** A number literal's value: parse.newNumber. */
function parseNumber(text: string, isChar: boolean, fail: (message: string) => never): NumberValue {
  if (isChar) {
    const rune = unquote(text, fail).codePointAt(0) ?? 0;
    return { isInt: true, isFloat: true, int: rune, float: rune };
  }
  if (text.endsWith('i')) fail(`complex numbers are not supported: ${text}`);
  const clean = text.replace(/_/g, '');
  const sign = clean.startsWith('-') ? -1 : 1;
  const unsigned = clean.replace(/^[+-]/, '');
  let int: number | undefined;
  if (/^0[xX][0-9a-fA-F]+$/.test(unsigned)) int = parseInt(unsigned.slice(2), 16);
  else if (/^0[bB][01]+$/.test(unsigned)) int = parseInt(unsigned.slice(2), 2);
  else if (/^0[oO]?[0-7]+$/.test(unsigned)) int = parseInt(unsigned.replace(/^0[oO]?/, ''), 8);
  else if (/^\d+$/.test(unsigned)) int = parseInt(unsigned, 10);
  if (int !== undefined) return { isInt: true, isFloat: true, int: sign * int, float: sign * int };
  const float = Number(unsigned);
  if (Number.isNaN(float)) fail(`illegal number syntax: ${JSON.stringify(text)}`);
  const value = sign * float;
  return { isInt: Number.isInteger(value), isFloat: true, int: Number.isInteger(value) ? value : undefined, float: value };
}

// ---------------------------------------------------------------------------------------------------------------
// Execution (text/template/exec.go)

class BreakSignal { }
class ContinueSignal { }

interface Variable { name: string; value: Value }

/** A parsed template with its associated templates (from {{define}} and {{block}}). */
export class GoTemplate {
  /** Parses `text` as template `name`. */
  public static parse(name: string, text: string, options: ParseOptions): GoTemplate {
    const semantics = options.semantics ?? { go118: true };
    const items = lex(name, text, options.leftDelim ?? '{{', options.rightDelim ?? '}}', semantics.go118);
    const templates = new Map<string, ListNode>();
    const root = new Parser(name, items, templates, options.functions).parseTemplate();
    // An empty main template keeps the defines only; Go's Parse replaces a template only by a non-empty body.
    if (root.nodes.some((node) => node.kind !== 'text' || node.text.trim() !== '') || !templates.has(name)) templates.set(name, root);
    return new GoTemplate(name, templates, options.functions, semantics);
  }

  private constructor(
    public readonly name: string,
    private readonly templates: Map<string, ListNode>,
    private readonly functions: FunctionMap,
    private readonly semantics: GoSemantics,
  ) {}

  /** The names of the templates associated with this one. */
  public get definedTemplates(): string[] {
    return [...this.templates.keys()];
  }

  /** Executes the template on `data`, returning its output. */
  public execute(data: Value, templateName = this.name): string {
    const root = this.templates.get(templateName);
    if (!root) throw new GoTemplateError(`template: no template ${JSON.stringify(templateName)} associated with template ${JSON.stringify(this.name)}`);
    const state = new ExecState(this, templateName, this.functions, this.semantics.go118 ? BUILTINS_118 : BUILTINS_LEGACY, this.semantics);
    state.vars.push({ name: '$', value: data });
    state.walk(data, root);
    return state.out.join('');
  }

  /** @internal */
  public lookup(name: string): ListNode | undefined {
    return this.templates.get(name);
  }
}

const MISSING = Symbol('missing');
type Final = Value | typeof MISSING;

class ExecState {
  public readonly out: string[] = [];
  public vars: Variable[] = [];
  private depth = 0;

  constructor(
    private readonly template: GoTemplate,
    private readonly name: string,
    private readonly functions: FunctionMap,
    private readonly builtinFunctions: FunctionMap,
    private readonly semantics: GoSemantics,
  ) {}

  private errorf(message: string, line?: number): never {
    throw new GoTemplateError(`template: ${this.name}${line ? `:${line}` : ''}: ${message}`);
  }

  walk(dot: Value, node: ListNode | Node): void {
    if ('nodes' in node) {
      for (const child of node.nodes) this.walk(dot, child);
      return;
    }
    switch (node.kind) {
      case 'text':
        this.out.push(node.text);
        return;
      case 'action': {
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.out.push(this.printable(value, node.pipe));
        return;
      }
      case 'if': case 'with': {
        const mark = this.vars.length;
        try {
          const value = this.evalPipeline(dot, node.pipe);
          if (isTrue(value)) this.walk(node.kind === 'with' ? value : dot, node.list);
          else if (node.elseList) this.walk(dot, node.elseList);
        } finally {
          this.vars.length = mark;
        }
        return;
      }
      case 'range':
        this.walkRange(dot, node);
        return;
      case 'template': {
        const list = this.template.lookup(node.name);
        if (!list) this.errorf(`template ${JSON.stringify(node.name)} not defined`, node.line);
        if (++this.depth > 1000) this.errorf('exceeded maximum template depth (1000)', node.line);
        const newDot = node.pipe ? this.evalPipeline(dot, node.pipe) : undefined;
        const saved = this.vars;
        this.vars = [{ name: '$', value: newDot }];
        try {
          this.walk(newDot, list);
        } finally {
          this.vars = saved;
          this.depth--;
        }
        return;
      }
      case 'break': throw new BreakSignal();
      case 'continue': throw new ContinueSignal();
      default: break;
    }
  }

  private walkRange(dot: Value, node: Extract<Node, { kind: 'range' }>): void {
    const outerMark = this.vars.length;
    try {
      const value = indirectValue(this.evalPipeline(dot, node.pipe));
      const mark = this.vars.length;
      const oneIteration = (index: Value, elem: Value): boolean => {
        if (node.pipe.decl.length > 0) this.vars[this.vars.length - 1].value = elem;
        if (node.pipe.decl.length > 1) this.vars[this.vars.length - 2].value = index;
        try {
          this.walk(elem, node.list);
        } catch (signal) {
          if (signal instanceof BreakSignal) return false;
          if (!(signal instanceof ContinueSignal)) throw signal;
        } finally {
          this.vars.length = mark;
        }
        return true;
      };
      let iterated = false;
      if (value && value.type.kind === 'slice' && value.data) {
        const items = value.data as unknown[];
        for (let i = 0; i < items.length; i++) {
          iterated = true;
          if (!oneIteration(new GoValue(INT, i), fromData(value.type.elem, items[i]))) break;
        }
      } else if (value && value.type.kind === 'map' && value.data) {
        // fmtsort: string keys in order.
        const keys = Object.keys(value.data as object).sort();
        for (const key of keys) {
          iterated = true;
          if (!oneIteration(new GoValue(value.type.key, key), fromData(value.type.elem, (value.data as Record<string, unknown>)[key]))) break;
        }
      } else if (value && !(value.type.kind === 'interface' || value.type.kind === 'slice' || value.type.kind === 'map' || value.type.kind === 'ptr')) {
        this.errorf(`range can't iterate over ${formatValueSafe(value)}`, node.line);
      }
      if (!iterated && node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.vars.length = outerMark;
    }
  }

  private printable(value: Value, pipe: PipeNode): string {
    try {
      if (value && value.type.kind === 'ptr' && value.data !== null) return formatValue(new GoValue(value.type.elem, value.data));
      return formatValue(value);
    } catch (error) {
      return this.errorf(`executing {{${pipe.text}}}: ${(error as Error).message}`, pipe.line);
    }
  }

  evalPipeline(dot: Value, pipe: PipeNode): Value {
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value, pipe);
      // An interface{} holding nil becomes "no value" (exec.go: reflect.ValueOf(value.Interface())).
      if (value && value.type.kind === 'interface' && isNil(value)) value = undefined;
    }
    const result = value === MISSING ? undefined : value;
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, result, pipe);
      else this.vars.push({ name, value: result });
    }
    return result;
  }

  private setVar(name: string, value: Value, pipe: PipeNode): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`, pipe.line);
  }

  private varValue(name: string, pipe: PipeNode): Value {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    return this.errorf(`undefined variable: ${name}`, pipe.line);
  }

  private notAFunction(args: ArgNode[], final: Final, pipe: PipeNode): void {
    if (args.length > 1 || final !== MISSING) this.errorf(`executing {{${pipe.text}}}: can't give argument to non-function ${describe(args[0])}`, pipe.line);
  }

  private evalCommand(dot: Value, cmd: CommandNode, final: Final, pipe: PipeNode): Value {
    const first = cmd.args[0];
    switch (first.kind) {
      case 'field': return this.evalFieldChain(dot, dot, first.ident, cmd.args, final, pipe);
      case 'chain': {
        const receiver = this.evalArg(dot, undefined, first.node, pipe);
        return this.evalFieldChain(dot, receiver, first.field, cmd.args, final, pipe);
      }
      case 'identifier': return this.evalFunction(dot, first.ident, cmd.args, final, pipe);
      case 'pipe':
        this.notAFunction(cmd.args, final, pipe);
        return this.evalPipeline(dot, first.pipe);
      case 'variable': {
        const value = this.varValue(first.ident[0], pipe);
        if (first.ident.length === 1) {
          this.notAFunction(cmd.args, final, pipe);
          return value;
        }
        return this.evalFieldChain(dot, value, first.ident.slice(1), cmd.args, final, pipe);
      }
      default: break;
    }
    this.notAFunction(cmd.args, final, pipe);
    switch (first.kind) {
      case 'bool': return new GoValue(BOOL, first.value);
      case 'dot': return dot;
      case 'nil': return this.errorf('nil is not a command', pipe.line);
      case 'number': return this.idealConstant(first, pipe);
      case 'string': return new GoValue(STRING, first.value);
      default: return this.errorf(`can't evaluate command ${describe(first)}`, pipe.line);
    }
  }

  private idealConstant(node: Extract<ArgNode, { kind: 'number' }>, pipe: PipeNode): Value {
    const { text, number } = node;
    const isHexInt = /^[+-]?0[xX]/.test(text) && !/[pP]/.test(text);
    if (number.isFloat && !isHexInt && !text.startsWith("'") && /[.eEpP]/.test(text)) return new GoValue(FLOAT64, number.float);
    if (number.isInt) return new GoValue(INT, number.int);
    return this.errorf(`${text} overflows int`, pipe.line);
  }

  private evalFieldChain(dot: Value, receiver: Value, ident: string[], args: ArgNode[], final: Final, pipe: PipeNode): Value {
    for (let i = 0; i < ident.length - 1; i++) receiver = this.evalField(dot, ident[i], [], MISSING, receiver, pipe);
    return this.evalField(dot, ident[ident.length - 1], args, final, receiver, pipe);
  }

  private evalField(dot: Value, fieldName: string, args: ArgNode[], final: Final, receiver: Value, pipe: PipeNode): Value {
    if (!receiver) return undefined;
    const typ = receiver.type;
    const fail = (message: string): never => this.errorf(`executing {{${pipe.text}}}: ${message}`, pipe.line);
    if (typ.kind === 'interface' && isNil(receiver)) fail(`nil pointer evaluating ${typ.name}.${fieldName}`);
    // Methods: on the struct and, through its pointer, on *T (protobuf getters are nil-safe).
    const structType = typ.kind === 'struct' ? typ : typ.kind === 'ptr' && typ.elem.kind === 'struct' ? typ.elem : undefined;
    if (structType) {
      const found = structMethod(structType, fieldName);
      if (found) {
        const self = found.through.length === 0 ? receiver : throughEmbedded(new GoValue(structType, receiver.data), found.through);
        return this.evalCall(dot, { params: found.method.params, call: (values) => found.method.call(self, values) }, fieldName, args, final, pipe);
      }
    }
    if (typ.kind === 'enum' && fieldName === 'String') {
      return this.evalCall(dot, { params: [], call: () => new GoValue(STRING, formatValue(receiver)) }, fieldName, args, final, pipe);
    }
    const hasArgs = args.length > 1 || final !== MISSING;
    if (structType) {
      const found = structField(structType, fieldName);
      if (found) {
        if (typ.kind === 'ptr' && receiver.data === null) fail(`nil pointer evaluating ${typ.name}.${fieldName}`);
        if (hasArgs) fail(`${fieldName} has arguments but cannot be invoked as function`);
        return readField(throughEmbedded(new GoValue(structType, receiver.data), found.through), found.field);
      }
      fail(`can't evaluate field ${fieldName} in type ${typ.name}${structType.origin ? ` (${structType.origin})` : ''}`);
    }
    if (typ.kind === 'map' && assignable(STRING, typ.key)) {
      if (hasArgs) fail(`${fieldName} is not a method but has arguments`);
      const data = receiver.data as Record<string, unknown> | null;
      if (!data || !Object.prototype.hasOwnProperty.call(data, fieldName)) return undefined;
      return fromData(typ.elem, data[fieldName]);
    }
    return fail(`can't evaluate field ${fieldName} in type ${typ.name}`);
  }

  private evalFunction(dot: Value, name: string, args: ArgNode[], final: Final, pipe: PipeNode): Value {
    if (name === 'and' || name === 'or') return this.evalAndOr(dot, name, args, final, pipe);
    const fn = this.functions[name] ?? this.builtinFunctions[name];
    if (!fn) return this.errorf(`${JSON.stringify(name)} is not a defined function`, pipe.line);
    return this.evalCall(dot, fn, name, args, final, pipe);
  }

  /** and/or: Go 1.18 stops at the deciding argument; earlier releases evaluated every argument first. */
  private evalAndOr(dot: Value, name: 'and' | 'or', args: ArgNode[], final: Final, pipe: PipeNode): Value {
    const operands = args.slice(1);
    const count = operands.length + (final === MISSING ? 0 : 1);
    if (count < 1) this.errorf(`wrong number of args for ${name}: want at least 1 got 0`, pipe.line);
    const values: Array<() => Value> = operands.map((arg) => () => this.evalArg(dot, ANY, arg, pipe));
    if (final !== MISSING) values.push(() => final);
    if (!this.semantics.go118) {
      const evaluated = values.map((value) => value());
      for (const value of evaluated) if (isTrue(value) === (name === 'or')) return value;
      return evaluated[evaluated.length - 1];
    }
    let value: Value;
    for (const next of values) {
      value = next();
      if (isTrue(value) === (name === 'or')) return value;
    }
    return value;
  }

  private evalCall(dot: Value, fn: GoFunction, name: string, args: ArgNode[], final: Final, pipe: PipeNode): Value {
    const operands = args.slice(1);
    const numIn = operands.length + (final === MISSING ? 0 : 1);
    const fail = (message: string): never => this.errorf(`executing {{${pipe.text}}}: ${message}`, pipe.line);
    const params = fn.params;
    if (params) {
      const numFixed = fn.variadic ? params.length - 1 : params.length;
      if (fn.variadic ? numIn < numFixed : numIn !== numFixed) {
        fail(`wrong number of args for ${name}: want ${fn.variadic ? 'at least ' : ''}${numFixed} got ${numIn}`);
      }
    }
    const paramType = (i: number): GoType | undefined => {
      if (!params) return undefined;
      if (fn.variadic && i >= params.length - 1) return params[params.length - 1];
      return params[i];
    };
    const argv: Value[] = operands.map((arg, i) => this.evalArg(dot, paramType(i), arg, pipe));
    if (final !== MISSING) argv.push(this.validateType(final, paramType(numIn - 1), pipe));
    try {
      return fn.call(argv);
    } catch (error) {
      if (error instanceof GoTemplateError && error.message.startsWith('template:')) throw error;
      return fail(`error calling ${name}: ${(error as Error).message}`);
    }
  }

  private validateType(value: Value, type: GoType | undefined, pipe: PipeNode): Value {
    if (!type) return value;
    const fail = (message: string): never => this.errorf(`executing {{${pipe.text}}}: ${message}`, pipe.line);
    if (!value) {
      if (['interface', 'map', 'slice', 'ptr', 'func'].includes(type.kind)) return zero(type);
      return fail(`invalid value; expected ${type.name}`);
    }
    if (assignable(value.type, type)) return value;
    if (value.type.kind === 'ptr' && assignable(value.type.elem, type)) {
      if (value.data === null) fail(`dereference of nil pointer of type ${type.name}`);
      return new GoValue(value.type.elem, value.data);
    }
    if (type.kind === 'ptr' && assignable(value.type, type.elem)) return new GoValue(type, value.data);
    return fail(`wrong type for value; expected ${type.name}; got ${value.type.name}`);
  }

  private evalArg(dot: Value, type: GoType | undefined, node: ArgNode, pipe: PipeNode): Value {
    const fail = (message: string): never => this.errorf(`executing {{${pipe.text}}}: ${message}`, pipe.line);
    switch (node.kind) {
      case 'dot': return this.validateType(dot, type, pipe);
      case 'nil':
        if (!type) return undefined;
        if (['interface', 'map', 'slice', 'ptr', 'func'].includes(type.kind)) return zero(type);
        return fail(`cannot assign nil to ${type.name}`);
      case 'field': return this.validateType(this.evalFieldChain(dot, dot, node.ident, [node], MISSING, pipe), type, pipe);
      case 'variable': {
        const value = this.varValue(node.ident[0], pipe);
        const result = node.ident.length === 1 ? value : this.evalFieldChain(dot, value, node.ident.slice(1), [], MISSING, pipe);
        return this.validateType(result, type, pipe);
      }
      case 'pipe': return this.validateType(this.evalPipeline(dot, node.pipe), type, pipe);
      case 'identifier': return this.validateType(this.evalFunction(dot, node.ident, [node], MISSING, pipe), type, pipe);
      case 'chain': {
        const receiver = this.evalArg(dot, undefined, node.node, pipe);
        return this.validateType(this.evalFieldChain(dot, receiver, node.field, [], MISSING, pipe), type, pipe);
      }
      default: break;
    }
    // Literals take the parameter's type; an interface{} (or reflect.Value) parameter gets the literal's ideal type.
    if (!type || type.kind === 'interface') {
      switch (node.kind) {
        case 'bool': return new GoValue(BOOL, node.value);
        case 'string': return new GoValue(STRING, node.value);
        case 'number': return this.idealConstant(node, pipe);
        default: break;
      }
    }
    switch (type?.kind) {
      case 'bool':
        if (node.kind === 'bool') return new GoValue(type, node.value);
        return fail(`expected bool; found ${describe(node)}`);
      case 'string':
        if (node.kind === 'string') return new GoValue(type, node.value);
        return fail(`expected string; found ${describe(node)}`);
      case 'int':
        if (node.kind === 'number' && node.number.isInt) return new GoValue(type, node.number.int);
        return fail(`expected integer; found ${describe(node)}`);
      case 'uint':
        if (node.kind === 'number' && node.number.isInt && (node.number.int ?? -1) >= 0) return new GoValue(type, node.number.int);
        return fail(`expected unsigned integer; found ${describe(node)}`);
      case 'float':
        if (node.kind === 'number' && node.number.isFloat) return new GoValue(type, node.number.float);
        return fail(`expected float; found ${describe(node)}`);
      default:
        return fail(`can't handle ${describe(node)} for arg of type ${type?.name}`);
    }
  }
}

function describe(node: ArgNode): string {
  switch (node.kind) {
    case 'field': return `.${node.ident.join('.')}`;
    case 'variable': return node.ident.join('.');
    case 'identifier': return node.ident;
    case 'string': return JSON.stringify(node.value);
    case 'number': return node.text;
    case 'bool': return String(node.value);
    case 'dot': return '.';
    case 'nil': return 'nil';
    case 'pipe': return `(${node.pipe.text})`;
    case 'chain': return `(${describe(node.node)}).${node.field.join('.')}`;
    default: return 'node';
  }
}

function formatValueSafe(value: Value): string {
  try {
    return formatValue(value);
  } catch {
    return typeName(value);
  }
}

/** exec.go's indirect: through pointers and interfaces, stopping at a nil one. */
function indirectValue(value: Value): Value {
  let current = value;
  while (current && current.type.kind === 'ptr') {
    if (current.data === null) return current;
    current = new GoValue(current.type.elem, current.data);
  }
  return current;
}

// ---------------------------------------------------------------------------------------------------------------
// Builtin functions (text/template/funcs.go)

type BasicKind = 'bool' | 'int' | 'uint' | 'float' | 'string' | 'invalid';

function basicKind(value: Value): BasicKind {
  if (!value) return 'invalid';
  switch (value.type.kind) {
    case 'bool': return 'bool';
    case 'int': case 'enum': return 'int';
    case 'uint': return 'uint';
    case 'float': return 'float';
    case 'string': return 'string';
    default: return 'invalid';
  }
}

function eq(go118: boolean, arg1: Value, rest: Value[]): boolean {
  const indirect = (value: Value) => (value && value.type.kind === 'interface' && isNil(value) ? undefined : value);
  const v1 = indirect(arg1);
  const k1 = basicKind(v1);
  // Before Go 1.18 every operand had to be of a basic kind: a missing value or a map failed the comparison.
  if (!go118 && k1 === 'invalid') throw new GoTemplateError('invalid type for comparison');
  if (rest.length === 0) throw new GoTemplateError('missing argument for comparison');
  for (const raw of rest) {
    const v2 = indirect(raw);
    const k2 = basicKind(v2);
    if (!go118 && k2 === 'invalid') throw new GoTemplateError('invalid type for comparison');
    let truth = false;
    if (k1 !== k2) {
      if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) truth = v1!.data === v2!.data;
      else if (v1 && v2) throw new GoTemplateError('incompatible types for comparison');
    } else if (k1 === 'invalid') {
      // Go 1.18: values of other kinds compare by nil-ness (a missing value counts as nil).
      const nil1 = !v1 || isNil(v1);
      const nil2 = !v2 || isNil(v2);
      if (v1 && v2 && v1.type.kind !== v2.type.kind) throw new GoTemplateError(`non-comparable types ${v1.type.name}, ${v2.type.name}`);
      if (!nil1 && !nil2) throw new GoTemplateError(`comparing values of type ${v1!.type.name} is not supported by this evaluator`);
      truth = nil1 === nil2;
    } else {
      truth = v1!.data === v2!.data;
    }
    if (truth) return true;
  }
  return false;
}

function lt(arg1: Value, arg2: Value): boolean {
  const k1 = basicKind(arg1);
  const k2 = basicKind(arg2);
  if (k1 === 'invalid' || k2 === 'invalid') throw new GoTemplateError('invalid type for comparison');
  if (k1 !== k2) {
    if ((k1 === 'int' && k2 === 'uint') || (k1 === 'uint' && k2 === 'int')) return (arg1!.data as number) < (arg2!.data as number);
    throw new GoTemplateError('incompatible types for comparison');
  }
  if (k1 === 'bool') throw new GoTemplateError('invalid type for comparison');
  return (arg1!.data as number | string) < (arg2!.data as number | string);
}

function length(item: Value): number {
  let value = item;
  while (value && value.type.kind === 'ptr') {
    if (value.data === null) throw new GoTemplateError('len of nil pointer');
    value = new GoValue(value.type.elem, value.data);
  }
  if (!value) throw new GoTemplateError('len of untyped nil');
  switch (value.type.kind) {
    case 'string': return [...new TextEncoder().encode(value.data as string)].length;
    case 'slice': return value.data === null ? 0 : (value.data as unknown[]).length;
    case 'map': return value.data === null ? 0 : Object.keys(value.data as object).length;
    default: throw new GoTemplateError(`len of type ${value.type.name}`);
  }
}

function index(go118: boolean, item: Value, indices: Value[]): Value {
  let value: Value = item;
  if (!value) throw new GoTemplateError('index of untyped nil');
  for (const key of indices) {
    while (value && value.type.kind === 'ptr') {
      if (value.data === null) throw new GoTemplateError('index of nil pointer');
      value = new GoValue(value.type.elem, value.data);
    }
    if (!value) throw new GoTemplateError('index of untyped nil');
    if (value.type.kind === 'interface' && isNil(value)) throw new GoTemplateError('index of untyped nil');
    switch (value.type.kind) {
      case 'slice': case 'string': {
        const k = basicKind(key);
        if (k !== 'int' && k !== 'uint') throw new GoTemplateError(`cannot index slice/array with type ${typeName(key)}`);
        const i = key!.data as number;
        const items: unknown[] = value.type.kind === 'string' ? [...new TextEncoder().encode(value.data as string)] : (value.data as unknown[] | null) ?? [];
        if (i < 0 || i >= items.length) throw new GoTemplateError(`index out of range: ${i}`);
        value = value.type.kind === 'string' ? new GoValue({ kind: 'uint', name: 'uint8' }, items[i]) : fromData(value.type.elem, items[i]);
        break;
      }
      case 'map': {
        // Go 1.18 (prepareArg) refuses a nil key for a map whose keys cannot be nil; earlier releases used the zero key.
        const keyValue = key && key.type.kind === 'interface' && isNil(key) ? undefined : key;
        if (!keyValue && go118 && !['interface', 'map', 'slice', 'ptr', 'func'].includes(value.type.key.kind)) {
          throw new GoTemplateError(`value is nil; should be of type ${value.type.key.name}`);
        }
        const mapKey: GoValue = keyValue ?? zero(value.type.key);
        if (!assignable(mapKey.type, value.type.key)) throw new GoTemplateError(`value has type ${mapKey.type.name}; should be ${value.type.key.name}`);
        const data = value.data as Record<string, unknown> | null;
        const k: string = String(mapKey.data);
        // A missing key gives the element type's zero value (an interface{} element: a nil interface).
        value = data && Object.prototype.hasOwnProperty.call(data, k) ? fromData(value.type.elem, data[k]) : zero(value.type.elem);
        break;
      }
      default:
        throw new GoTemplateError(`can't index item of type ${value.type.name}`);
    }
  }
  return value;
}

/** fmt.Sprint: operands are separated by a space when neither side is a string. */
export function sprint(args: Value[]): string {
  let out = '';
  args.forEach((arg, i) => {
    const isString = arg?.type.kind === 'string';
    if (i > 0 && !isString && args[i - 1]?.type.kind !== 'string') out += ' ';
    out += formatArg(arg);
  });
  return out;
}

function formatArg(arg: Value): string {
  if (arg && arg.type.kind === 'ptr' && arg.data !== null) return formatValue(new GoValue(arg.type.elem, arg.data));
  if (arg === undefined) return '<nil>';
  return formatValue(arg);
}

/** fmt.Sprintf for the verbs templates use: %s %v %d %q %t %f %x %%, with width, precision and the - and 0 flags. */
export function sprintf(format: string, args: Value[]): string {
  let argIndex = 0;
  return format.replace(/%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g, (whole, flags: string, widthText: string | undefined, precisionText: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    if (argIndex >= args.length) return `%!${verb}(MISSING)`;
    const arg = args[argIndex++];
    let text: string;
    switch (verb) {
      case 's': case 'v': text = formatArg(arg); break;
      case 'd': {
        const k = basicKind(arg);
        text = k === 'int' || k === 'uint' ? String(arg!.data) : `%!d(${typeName(arg)}=${formatArg(arg)})`;
        break;
      }
      case 'q': text = JSON.stringify(formatArg(arg)); break;
      case 't': text = arg?.type.kind === 'bool' ? String(arg.data) : `%!t(${typeName(arg)}=${formatArg(arg)})`; break;
      case 'f': {
        const k = basicKind(arg);
        text = k === 'float' ? (arg!.data as number).toFixed(precisionText === undefined ? 6 : Number(precisionText)) : `%!f(${typeName(arg)}=${formatArg(arg)})`;
        break;
      }
      case 'x': {
        const k = basicKind(arg);
        if (k === 'int' || k === 'uint') text = (arg!.data as number).toString(16);
        else if (k === 'string') text = Buffer.from(arg!.data as string, 'utf8').toString('hex');
        else throw new GoTemplateError(`printf verb %x of ${typeName(arg)} is not supported`);
        break;
      }
      default:
        throw new GoTemplateError(`printf verb ${whole} is not supported by this evaluator`);
    }
    if ((verb === 's' || verb === 'v') && precisionText !== undefined) text = text.slice(0, Number(precisionText));
    const width = widthText === undefined ? 0 : Number(widthText);
    if (text.length < width) {
      if (flags.includes('-')) text = text.padEnd(width, ' ');
      else text = text.padStart(width, flags.includes('0') && verb !== 's' ? '0' : ' ');
    }
    return text;
  }) + (argIndex < args.length ? `%!(EXTRA ${args.slice(argIndex).map((arg) => `${typeName(arg)}=${formatArg(arg)}`).join(', ')})` : '');
}

const unsupported = (name: string): GoFunction => ({
  call: () => {
    throw new GoTemplateError(`builtin ${name} is not supported by this evaluator`);
  },
});

/** The builtins every template has (funcs.go), with the semantics `go118` selects for comparisons. */
function builtins(go118: boolean): FunctionMap {
  return {
    eq: { call: ([a, ...rest]) => new GoValue(BOOL, eq(go118, a, rest)) },
    ne: {
      call: (args) => {
        if (args.length !== 2) throw new GoTemplateError(`wrong number of args for ne: want 2 got ${args.length}`);
        return new GoValue(BOOL, !eq(go118, args[0], [args[1]]));
      },
    },
    lt: { call: ([a, b]) => new GoValue(BOOL, lt(a, b)) },
    le: { call: ([a, b]) => new GoValue(BOOL, lt(a, b) || eq(go118, a, [b])) },
    gt: { call: ([a, b]) => new GoValue(BOOL, !(lt(a, b) || eq(go118, a, [b]))) },
    ge: { call: ([a, b]) => new GoValue(BOOL, !lt(a, b)) },
    not: { params: [ANY], call: ([a]) => new GoValue(BOOL, !isTrue(a)) },
    len: { params: [ANY], call: ([a]) => new GoValue(INT, length(a)) },
    index: { call: ([item, ...indices]) => index(go118, item, indices) },
    print: { params: [ANY], variadic: true, call: (args) => new GoValue(STRING, sprint(args)) },
    printf: {
      params: [STRING, ANY],
      variadic: true,
      call: ([format, ...args]) => new GoValue(STRING, sprintf(format!.data as string, args)),
    },
    println: { params: [ANY], variadic: true, call: (args) => new GoValue(STRING, `${args.map(formatArg).join(' ')}\n`) },
    slice: unsupported('slice'),
    call: unsupported('call'),
    html: unsupported('html'),
    js: unsupported('js'),
    urlquery: unsupported('urlquery'),
  };
}

const BUILTINS_118 = builtins(true);
const BUILTINS_LEGACY = builtins(false);
