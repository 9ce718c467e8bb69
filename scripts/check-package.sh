#!/usr/bin/env bash
# Builds and packs the library, installs the tarball into a fresh project, compiles and runs a composition
# there, and checks what the tarball holds and that importing it has no side effects.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/check-package.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== pack (prepack builds lib/)"
cd "$repo"
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
[ -f "$tarball" ] || fail "npm pack produced no tarball"
echo "$(basename "$tarball"): $(tar -tzf "$tarball" | wc -l) files, $(du -k "$tarball" | cut -f1) KiB"

echo "== tarball contents"
files="$(tar -tzf "$tarball" | sed 's|^package/||')"
for forbidden in '^test/' '^dist/' '^examples/' '^charts/' '^lib/charts/' '^lib/test/' '^bench/' '^scripts/' '^src/' '\.ts$'; do
  offending="$(grep -E "$forbidden" <<<"$files" | grep -v '\.d\.ts$' || true)"
  [ -z "$offending" ] || fail "the tarball holds files matching $forbidden: $(head -3 <<<"$offending" | tr '\n' ' ')"
done
for required in package.json lib/src/index.js lib/src/index.d.ts lib/imports/telemetry.istio.io.js; do
  grep -qx "$required" <<<"$files" || fail "the tarball lacks $required"
done
echo "ok: only package.json, README and compiled lib/src, lib/imports (.js, .d.ts)"

echo "== install into a fresh project"
project="$work/project"
mkdir -p "$project"
cd "$project"
npm init -y >/dev/null
npm install --no-audit --no-fund --prefer-offline --loglevel=error "$tarball" cdk8s constructs cdk8s-plus-27 typescript@~5.9 @types/node@20 >/dev/null
echo "installed: $(node -p "['cdk8s-istio-lightstep','cdk8s','constructs','cdk8s-plus-27'].map((p) => p + '@' + require(p + '/package.json').version).join(', ')")"
node -e "
const p = require('cdk8s-istio-lightstep/package.json');
for (const dep of ['cdk8s', 'constructs']) if (!(p.peerDependencies || {})[dep]) { console.error(dep + ' is not a peer dependency'); process.exit(1); }
console.log('peer dependencies: ' + Object.keys(p.peerDependencies).join(', '));
"

echo "== importing has no side effects"
report=$(node "$repo/scripts/import-probe.cjs" cdk8s-istio-lightstep)
node -e "
const report = JSON.parse(process.argv[1]);
if (report.foreign.length || report.printed.length || report.wrote || report.exports < 10) {
  process.stderr.write(JSON.stringify(report) + '\\n');
  process.exit(1);
}
process.stdout.write('ok: ' + report.exports + ' exports, no file read but modules, no output, no file written\\n');
" "$report"

echo "== compile and run a composition with tsc"
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "nodenext", "moduleResolution": "nodenext", "strict": true,
  "esModuleInterop": true, "skipLibCheck": false, "outDir": "out", "types": ["node"] }, "include": ["main.ts"] }
JSON
cp "$repo/examples/certs/example-ca.crt" ca.crt
sed -e "s|from '../../src'|from 'cdk8s-istio-lightstep'|" "$repo/examples/composition/compose.ts" > compose.ts
cat > main.ts <<'TS'
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Bookinfo, CaCertificate, LightstepCaCertSecret, MeshAnalysis } from 'cdk8s-istio-lightstep';
import { ShopChart } from './compose';

const app = new App({ outdir: 'dist' });
const certificate = CaCertificate.fromFile('ca.crt');
const shop = new ShopChart(app, 'shop', { certificate });
const secret: kplus.ISecret = shop.caSecret;
// A second Bookinfo in another chart: its injected namespace needs the CA Secret too, or the synth fails.
const extra = new Chart(app, 'extra');
new Bookinfo(extra, 'bookinfo', { namespace: 'books', istioRelease: '1.14' });
new LightstepCaCertSecret(extra, 'ca', { namespace: 'books', certificate });
app.synth();
console.log(`synthesized ${secret.name} and ${shop.bookinfo.deploymentNames.length} Bookinfo Deployments; findings: ${MeshAnalysis.of(shop).analyze().length}`);
TS
sed -i "s|\"include\": \[\"main.ts\"\]|\"include\": [\"main.ts\", \"compose.ts\"]|" tsconfig.json
npx --no-install tsc -p tsconfig.json
node out/main.js
ls dist
grep -q 'name: lightstep.cacert' dist/*.k8s.yaml || fail "no lightstep.cacert Secret in the output"
echo "== package check passed"
