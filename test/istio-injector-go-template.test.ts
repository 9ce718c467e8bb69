/**
 * The Go text/template evaluator of test/support/istio-injector against Go's own expectations: the cases below are
 * rows of the execTests table of golang/go src/text/template/exec_test.go (template, expected output or failure),
 * run on data with the same values as that test's tVal; the rest cite the package documentation of text/template
 * and fmt. Istio's templates are checked end to end by the golden tests; these pin the language itself.
 */
import { FunctionMap, GoTemplate, GoTemplateError } from './support/istio-injector/go-template';
import { ANY, ANY_MAP, BOOL, FLOAT64, GoValue, INT, STRING, STRING_MAP, StructType, mapOf, ptrTo, sliceOf } from './support/istio-injector/go-value';

const INTS = sliceOf(INT);
const U: StructType = { kind: 'struct', name: 'template.U', fields: () => [{ name: 'V', json: 'V', type: STRING }] };
const T: StructType = {
  kind: 'struct',
  name: 'template.T',
  fields: () => [
    { name: 'True', json: 'True', type: BOOL },
    { name: 'I', json: 'I', type: INT },
    { name: 'X', json: 'X', type: STRING },
    { name: 'FloatZero', json: 'FloatZero', type: FLOAT64 },
    { name: 'U', json: 'U', type: ptrTo(U) },
    { name: 'SI', json: 'SI', type: INTS },
    { name: 'SIEmpty', json: 'SIEmpty', type: INTS },
    { name: 'SB', json: 'SB', type: sliceOf(BOOL) },
    { name: 'MSI', json: 'MSI', type: mapOf(STRING, INT) },
    { name: 'MSIone', json: 'MSIone', type: mapOf(STRING, INT) },
    { name: 'MSIEmpty', json: 'MSIEmpty', type: mapOf(STRING, INT) },
    { name: 'MXI', json: 'MXI', type: ANY_MAP },
    { name: 'SMSI', json: 'SMSI', type: sliceOf(mapOf(STRING, INT)) },
    { name: 'Empty0', json: 'Empty0', type: ANY },
    { name: 'Empty3', json: 'Empty3', type: ANY },
    { name: 'PSI', json: 'PSI', type: ptrTo(INTS) },
  ],
};
/** exec_test.go's tVal, as far as these rows read it. */
const tVal = new GoValue(T, {
  True: true, I: 17, X: 'x', FloatZero: 0, U: { V: 'v' }, SI: [3, 4, 5], SIEmpty: [], SB: [true, false],
  MSI: { one: 1, two: 2, three: 3 }, MSIone: { one: 1 }, MSIEmpty: {}, MXI: {}, SMSI: [{ one: 1, two: 2 }, { eleven: 11, twelve: 12 }],
  Empty0: null, Empty3: [7, 8], PSI: [21, 22, 23],
});

/** exec_test.go's helper functions: add sums ints, echo returns its argument, makemap pairs strings. */
const FUNCTIONS: FunctionMap = {
  add: { params: [INT], variadic: true, call: (args) => new GoValue(INT, args.reduce((sum, arg) => sum + (arg!.data as number), 0)) },
  echo: { params: [ANY], call: ([value]) => value },
  makemap: {
    params: [STRING],
    variadic: true,
    call: (args) => {
      const out: Record<string, string> = {};
      for (let i = 0; i < args.length; i += 2) out[args[i]!.data as string] = args[i + 1]!.data as string;
      return new GoValue(STRING_MAP, out);
    },
  },
};

const run = (text: string, data = tVal, go118 = true) => GoTemplate.parse('test', text, { functions: FUNCTIONS, semantics: { go118 } }).execute(data);

// [name, template, expected output, or undefined where Go fails]
const EXEC_TESTS: Array<[string, string, string | undefined]> = [
  ['if true', '{{if true}}TRUE{{end}}', 'TRUE'],
  ['if false', '{{if false}}TRUE{{else}}FALSE{{end}}', 'FALSE'],
  ['if nil', '{{if nil}}TRUE{{end}}', undefined],
  ['if 1', '{{if 1}}NON-ZERO{{else}}ZERO{{end}}', 'NON-ZERO'],
  ['if 0', '{{if 0}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO'],
  ['if 1.5', '{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}', 'NON-ZERO'],
  ['if 0.0', '{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO'],
  ['if emptystring', '{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY'],
  ['if string', '{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY'],
  ['if emptyslice', '{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY'],
  ['if slice', '{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY'],
  ['if emptymap', '{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY'],
  ['if map', '{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY'],
  ['if map unset', '{{if .MXI.none}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO'],
  ['if map not unset', '{{if not .MXI.none}}ZERO{{else}}NON-ZERO{{end}}', 'ZERO'],
  ['if $x with $y int', '{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}', 'true,17'],
  ['if $x with $x int', '{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}', '17,true'],
  ['if else if', '{{if false}}FALSE{{else if true}}TRUE{{end}}', 'TRUE'],
  ['if else chain', '{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}', '3'],
  ['print', '{{print "hello, print"}}', 'hello, print'],
  ['print 123', '{{print 1 2 3}}', '1 2 3'],
  ['print nil', '{{print nil}}', '<nil>'],
  ['println', '{{println 1 2 3}}', '1 2 3\n'],
  ['printf int', '{{printf "%04x" 127}}', '007f'],
  ['printf string', '{{printf "%s" "hello"}}', 'hello'],
  ['printf field', '{{printf "%s" .U.V}}', 'v'],
  ['printf dot', '{{with .I}}{{printf "%d" .}}{{end}}', '17'],
  ['printf var', '{{with $x := .I}}{{printf "%d" $x}}{{end}}', '17'],
  ['parens in pipeline', '{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}', '1 5 15'],
  ['parens: $ in paren', '{{($).X}}', 'x'],
  ['parens: $ in paren in pipe', '{{($ | echo).X}}', 'x'],
  ['parens: spaces and args', '{{(makemap "up" "down" "left" "right").left}}', 'right'],
  ['not', '{{not true}} {{not false}}', 'false true'],
  ['and', '{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}', 'false 0 0 1'],
  ['or', '{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}', '0 1 true 1'],
  ['boolean if', '{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}', 'TRUE'],
  ['boolean if not', '{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}', 'FALSE'],
  ['slice[0]', '{{index .SI 0}}', '3'],
  ['slice[1]', '{{index .SI 1}}', '4'],
  ['slice[HUGE]', '{{index .SI 10}}', undefined],
  ['slice[WRONG]', '{{index .SI `hello`}}', undefined],
  ['slice[nil]', '{{index .SI nil}}', undefined],
  ['map[one]', '{{index .MSI `one`}}', '1'],
  ['map[two]', '{{index .MSI `two`}}', '2'],
  ['map[NO]', '{{index .MSI `XXX`}}', '0'],
  ['map[nil]', '{{index .MSI nil}}', undefined],
  ['map[``]', '{{index .MSI ``}}', '0'],
  ['map[WRONG]', '{{index .MSI 10}}', undefined],
  ['double index', '{{index .SMSI 1 `eleven`}}', '11'],
  ['nil[1]', '{{index nil 1}}', undefined],
  ['len slice', '{{len .SI}}', '3'],
  ['len map', '{{len .MSI }}', '3'],
  ['len of int', '{{len 3}}', undefined],
  ['len of nothing', '{{len .Empty0}}', undefined],
  ['with true', '{{with true}}{{.}}{{end}}', 'true'],
  ['with false', '{{with false}}{{.}}{{else}}FALSE{{end}}', 'FALSE'],
  ['with 1', '{{with 1}}{{.}}{{else}}ZERO{{end}}', '1'],
  ['with 0', '{{with 0}}{{.}}{{else}}ZERO{{end}}', 'ZERO'],
  ['with 1.5', '{{with 1.5}}{{.}}{{else}}ZERO{{end}}', '1.5'],
  ['with 0.0', '{{with .FloatZero}}{{.}}{{else}}ZERO{{end}}', 'ZERO'],
  ['with emptystring', '{{with ``}}{{.}}{{else}}EMPTY{{end}}', 'EMPTY'],
  ['with string', '{{with `notempty`}}{{.}}{{else}}EMPTY{{end}}', 'notempty'],
  ['with emptyslice', '{{with .SIEmpty}}{{.}}{{else}}EMPTY{{end}}', 'EMPTY'],
  ['with slice', '{{with .SI}}{{.}}{{else}}EMPTY{{end}}', '[3 4 5]'],
  ['with emptymap', '{{with .MSIEmpty}}{{.}}{{else}}EMPTY{{end}}', 'EMPTY'],
  ['with map', '{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}', 'map[one:1]'],
  ['with $x int', '{{with $x := .I}}{{$x}}{{end}}', '17'],
  ['with $x struct.U.V', '{{with $x := $}}{{$x.U.V}}{{end}}', 'v'],
  ['with variable and action', '{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}', 'v'],
  ['range []int', '{{range .SI}}-{{.}}-{{end}}', '-3--4--5-'],
  ['range empty no else', '{{range .SIEmpty}}-{{.}}-{{end}}', ''],
  ['range []int else', '{{range .SI}}-{{.}}-{{else}}EMPTY{{end}}', '-3--4--5-'],
  ['range empty else', '{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY'],
  ['range []bool', '{{range .SB}}-{{.}}-{{end}}', '-true--false-'],
  ['range map', '{{range .MSI}}-{{.}}-{{end}}', '-1--3--2-'],
  ['range empty map no else', '{{range .MSIEmpty}}-{{.}}-{{end}}', ''],
  ['range map else', '{{range .MSI}}-{{.}}-{{else}}EMPTY{{end}}', '-1--3--2-'],
  ['range empty map else', '{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY'],
  ['range empty interface', '{{range .Empty3}}-{{.}}-{{else}}EMPTY{{end}}', '-7--8-'],
  ['range empty nil', '{{range .Empty0}}-{{.}}-{{end}}', ''],
  ['range $x SI', '{{range $x := .SI}}<{{$x}}>{{end}}', '<3><4><5>'],
  ['range $x $y SI', '{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}', '<0=3><1=4><2=5>'],
  ['range $x MSIone', '{{range $x := .MSIone}}<{{$x}}>{{end}}', '<1>'],
  ['range $x $y MSIone', '{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}', '<one=1>'],
  ['range $x PSI', '{{range $x := .PSI}}<{{$x}}>{{end}}', '<21><22><23>'],
  ['declare in range', '{{range $x := .PSI}}<{{$foo:=$x}}{{$x}}>{{end}}', '<21><22><23>'],
  ['or as if true', '{{or .SI "slice is empty"}}', '[3 4 5]'],
  ['or as if false', '{{or .SIEmpty "slice is empty"}}', 'slice is empty'],
  ['bug4', '{{if .Empty0}}non-nil{{else}}nil{{end}}', 'nil'],
  ['bug7a', '{{3 2}}', undefined],
  ['bug7b', '{{$x := 1}}{{$x 2}}', undefined],
  ['bug7c', '{{$x := 1}}{{3 | $x}}', undefined],
  ['bug13', '{{print (.U).V}}', 'v'],
  ['bug14a', '{{(nil).True}}', undefined],
  ['bug14b', '{{$x := nil}}{{$x.anything}}', undefined],
  ['bug16a', '{{true|printf}}', undefined],
  ['bug16k', '{{"aaa"|printf }}', 'aaa'],
];

describe('Go text/template: execTests rows of golang/go exec_test.go', () => {
  test.each(EXEC_TESTS)('%s: %s', (_name, text, expected) => {
    if (expected === undefined) expect(() => run(text)).toThrow(GoTemplateError);
    else expect(run(text)).toBe(expected);
  });

  test('bug9: lower-case map keys are fields of maps', () => {
    expect(run('{{.cause}}', new GoValue(STRING_MAP, { cause: 'neglect' }))).toBe('neglect');
  });
});

describe('Go text/template: the package documentation', () => {
  test('"{{- " trims the preceding white space and " -}}" the following: "{{23 -}} < {{- 45}}" is "23<45"', () => {
    expect(run('{{23 -}} < {{- 45}}')).toBe('23<45');
  });

  test('a comment action may carry trim markers and prints nothing', () => {
    expect(run('a {{- /* a comment */ -}} b{{/* another */}}c')).toBe('abc');
  });

  test('a missing map key prints "<no value>"; a field of it is no value either', () => {
    expect(run('{{.MXI.missing}}|{{.MXI.missing.deeper}}')).toBe('<no value>|<no value>');
  });

  test('a nil interface value prints "<nil>" when printed through print, and cannot be indexed into', () => {
    expect(run('{{print .Empty0}}')).toBe('<nil>');
    expect(() => run('{{.Empty0.Field}}')).toThrow(/nil pointer evaluating interface \{\}\.Field/);
  });

  test('define and template share no variables; block defines and runs in place', () => {
    expect(run('{{define "T1"}}ONE{{end}}{{define "T2"}}TWO {{template "T1"}}{{end}}{{template "T2"}}')).toBe('TWO ONE');
    expect(run('{{block "B" .X}}[{{.}}]{{end}}')).toBe('[x]');
    expect(() => run('{{template "missing"}}')).toThrow(/template "missing" not defined/);
  });

  test('break and continue exist from Go 1.18 and stop or skip an iteration of range', () => {
    expect(run('{{range .SI}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}')).toBe('3');
    expect(run('{{range .SI}}{{if eq . 4}}{{continue}}{{end}}{{.}}{{end}}')).toBe('35');
    expect(() => run('{{range .SI}}{{break}}{{end}}', tVal, false)).toThrow(/function "break" not defined/);
  });

  test('a variable is assigned with =, within the scope that declared it', () => {
    expect(run('{{$v := 1}}{{if true}}{{$v = 2}}{{end}}{{$v}}')).toBe('2');
    expect(() => run('{{if true}}{{$w := 1}}{{end}}{{$w}}')).toThrow(/undefined variable "\$w"/);
  });

  test('and/or stop at the deciding operand from Go 1.18, and evaluate every operand before', () => {
    expect(run('{{and false .Empty0.Field}}')).toBe('false');
    expect(() => run('{{and false .Empty0.Field}}', tVal, false)).toThrow(/nil pointer/);
  });

  test('eq compares basic kinds; before Go 1.18 a missing value fails the comparison, from 1.18 it is unequal', () => {
    expect(run('{{eq .X "x"}} {{eq .I 17 18}} {{ne .X "y"}}')).toBe('true true true');
    expect(run('{{eq .MXI.missing "x"}}')).toBe('false');
    expect(() => run('{{eq .MXI.missing "x"}}', tVal, false)).toThrow(/invalid type for comparison/);
    expect(() => run('{{eq .I "17"}}')).toThrow(/incompatible types for comparison/);
  });

  test('custom delimiters replace {{ and }} (Istio 1.1 renders its runtime template with [[ ]])', () => {
    const template = GoTemplate.parse('d', '{{ literal }} [[ .X ]]', { functions: {}, leftDelim: '[[', rightDelim: ']]' });
    expect(template.execute(tVal)).toBe('{{ literal }} x');
  });

  test('fmt prints a float64 with %v: the shortest digits, in %e form from an exponent of 6 (1e+06)', () => {
    expect(run('{{1000000.0}} {{123456.0}} {{0.5}} {{1.5e-05}}')).toBe('1e+06 123456 0.5 1.5e-05');
  });

  test('an unknown function fails at parse time, and printing an unmodelled struct fails rather than guessing', () => {
    expect(() => GoTemplate.parse('t', '{{nosuchfunction 1}}', { functions: {} })).toThrow(/function "nosuchfunction" not defined/);
    expect(() => run('{{.U}}')).toThrow(/printing a value of type template.U is not supported/);
  });
});
