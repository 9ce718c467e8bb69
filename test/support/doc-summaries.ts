/**
 * Reads the summary tables of a jsii-docgen API.md and the doc comments of the library's sources, independently of
 * jsii's own summary rules, so that a test can ask whether each table cell is the full first sentence of its comment.
 */
import * as path from 'node:path';
import * as ts from 'typescript';

/** One row of a summary table: the anchor's symbol path below the package (e.g. `Bookinfo.property.gatewayName`) and its cell. */
export interface SummaryRow {
  readonly symbol: string;
  readonly summary: string;
}

/** Every row of API.md's summary tables whose first cell links to a symbol of the package, with its last cell. */
export function summaryRows(apiMd: string, packageName: string): SummaryRow[] {
  const anchor = `| <code><a href="#${packageName}.`;
  return apiMd.split('\n').filter((line) => line.startsWith(anchor) && line.endsWith(' |')).map((line) => ({
    symbol: line.slice(anchor.length, line.indexOf('"', anchor.length)),
    summary: line.slice(line.lastIndexOf(' | ') + 3, -2).trim(),
  }));
}

/**
 * The first sentence of a doc comment: up to the first ".", "!" or "?" followed by a blank or the end (not the
 * dot of "e.g." or "i.e."), on one line; a text without one is its first paragraph, with a "." added as jsii adds it.
 */
export function firstSentence(comment: string): string {
  const text = comment.split(/\n\s*\n/)[0].replace(/\s+/g, ' ').trim();
  const end = /(?<!\b(?:e\.g|i\.e))[.!?](?=\s|$)/.exec(text);
  const sentence = end ? text.slice(0, end.index + 1) : text;
  return /[.!?;]$/.test(sentence) ? sentence : `${sentence}.`;
}

/**
 * The doc comment of a row's symbol in the library's sources (`entry`, the module that exports the public API), or
 * undefined when the symbol is declared elsewhere (members inherited from constructs) or has no comment.
 */
export function docComments(entry: string): (symbol: string) => string | undefined {
  const program = ts.createProgram([entry], { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, strict: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const exported = new Map(checker.getExportsOfModule(module).map((symbol) => [symbol.name, symbol]));
  const sourceRoot = path.dirname(entry);
  const ownDeclaration = (symbol: ts.Symbol | undefined) => symbol?.declarations?.find((declaration) => declaration.getSourceFile().fileName.startsWith(sourceRoot));
  const commentOf = (symbol: ts.Symbol | undefined) => {
    if (!ownDeclaration(symbol)) return undefined;
    const text = ts.displayPartsToString(symbol!.getDocumentationComment(checker)).trim();
    return text === '' ? undefined : text;
  };

  return (symbolPath: string) => {
    const [typeName, ...rest] = symbolPath.split('.');
    let type = exported.get(typeName);
    if (type && type.flags & ts.SymbolFlags.Alias) type = checker.getAliasedSymbol(type);
    if (!type) return undefined;
    if (rest[0] === 'Initializer' && rest[1] === 'parameter') {
      const constructor = type.members?.get(ts.InternalSymbolName.Constructor)?.declarations?.[0] as ts.ConstructorDeclaration | undefined;
      const tag = constructor && ts.getJSDocParameterTags(constructor.parameters.find((parameter) => parameter.name.getText() === rest[2])!)[0];
      const text = tag && ts.getTextOfJSDocComment(tag.comment)?.trim();
      return text === '' ? undefined : text;
    }
    const memberName = rest[0] === 'property' ? rest[1] : rest[0];
    const member = type.exports?.get(memberName as ts.__String) ?? type.members?.get(memberName as ts.__String);
    return commentOf(member);
  };
}
