// Imports one module in a fresh process and reports what the import did besides defining exports:
// files read other than modules, console output, files written to the working folder.
// Usage: node [--require tsx/cjs] scripts/import-probe.cjs <module name or path>; prints a JSON report.
const fs = require('node:fs');
const reads = [];
for (const name of ['readFileSync', 'readFile', 'openSync', 'open', 'createReadStream']) {
  const original = fs[name];
  fs[name] = function (file, ...rest) { reads.push(String(file)); return original.call(this, file, ...rest); };
}
const printed = [];
for (const name of ['log', 'info', 'warn', 'error', 'debug']) console[name] = (...args) => printed.push(args.join(' '));
const before = fs.readdirSync('.').sort().join(',');
// Resolved from the working folder, so that an installed package is found in the project that installed it.
const library = require(require.resolve(process.argv[2], { paths: [process.cwd()] }));
const isModule = (file) => /\.(ts|js|cjs|mjs)$/.test(file) || /(package|tsconfig)\.json$/.test(file);
const report = {
  foreign: reads.filter((file) => !isModule(file)),
  printed,
  wrote: before !== fs.readdirSync('.').sort().join(','),
  exports: Object.keys(library).length,
};
process.stdout.write(JSON.stringify(report));
