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
  offending="$(grep -v '^node_modules/' <<<"$files" | grep -E "$forbidden" | grep -v '\.d\.ts$' || true)"
  [ -z "$offending" ] || fail "the tarball holds files matching $forbidden: $(head -3 <<<"$offending" | tr '\n' ' ')"
done
for required in package.json .jsii API.md lib/src/index.js lib/src/index.d.ts lib/imports/telemetry.istio.io.js node_modules/js-yaml/package.json; do
  grep -qx "$required" <<<"$files" || fail "the tarball lacks $required"
done
echo "ok: package.json, README, API.md, the jsii assembly .jsii, compiled lib/src and lib/imports (.js, .d.ts), bundled js-yaml"

echo "== install into a fresh project"
project="$work/project"
mkdir -p "$project"
cd "$project"
npm init -y >/dev/null
npm install --no-audit --no-fund --prefer-offline --loglevel=error "$tarball" cdk8s constructs cdk8s-plus-27 typescript@~5.9 @types/node@20 >/dev/null
echo "installed: $(node -p "['cdk8s-istio-lightstep','cdk8s','constructs','cdk8s-plus-27'].map((p) => p + '@' + require(p + '/package.json').version).join(', ')")"
node -e "
const p = require('cdk8s-istio-lightstep/package.json');
for (const dep of ['cdk8s', 'cdk8s-plus-27', 'constructs']) if (!(p.peerDependencies || {})[dep]) { console.error(dep + ' is not a peer dependency'); process.exit(1); }
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
import { Bookinfo, CaCertificate, IstioRelease, LightstepCaCertSecret, MeshAnalysis } from 'cdk8s-istio-lightstep';
import { ShopChart } from './compose';

const app = new App({ outdir: 'dist' });
const certificate = CaCertificate.fromFile('ca.crt');
const shop = new ShopChart(app, 'shop', { certificate });
const secret: kplus.ISecret = shop.caSecret;
// A second Bookinfo in another chart: its injected namespace needs the CA Secret too, or the synth fails.
const extra = new Chart(app, 'extra');
new Bookinfo(extra, 'bookinfo', { namespace: 'books', istioRelease: IstioRelease.of('1.14') });
new LightstepCaCertSecret(extra, 'ca', { namespace: 'books', certificate });
app.synth();
console.log(`synthesized ${secret.name} and ${shop.bookinfo.deploymentNames.length} Bookinfo Deployments; findings: ${MeshAnalysis.of(shop).analyze().length}`);
TS
sed -i "s|\"include\": \[\"main.ts\"\]|\"include\": [\"main.ts\", \"compose.ts\"]|" tsconfig.json
npx --no-install tsc -p tsconfig.json
node out/main.js
ls dist
grep -q 'name: lightstep.cacert' dist/*.k8s.yaml || fail "no lightstep.cacert Secret in the output"

echo "== the README's composition example, as printed, in this project"
mkdir -p readme/certs
cp "$repo/examples/certs/example-ca.crt" readme/certs/Cert_Auth.crt
node - "$repo/README.md" <<'JS'
const fs = require('node:fs');
const block = /<!-- example: examples\/readme\/your-own-app\.ts[^\n]*-->\n```ts\n([\s\S]*?)```/.exec(fs.readFileSync(process.argv[2], 'utf8'));
if (!block) { console.error('no composition example in README.md'); process.exit(1); }
fs.writeFileSync('readme/main.ts', block[1]);
JS
cat > readme/tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "nodenext", "moduleResolution": "nodenext", "strict": true,
  "esModuleInterop": true, "skipLibCheck": false, "outDir": "out", "types": ["node"] }, "include": ["main.ts", "order.ts"] }
JSON
# The same chart with its constructs in the opposite order, and the shop CA Secret asked for twice.
cat > readme/order.ts <<'TS'
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AccessToken, Bookinfo, CaCertificate, IstioRelease, LightstepCaCertSecret, LightstepTracing } from 'cdk8s-istio-lightstep';

const app = new App({ outdir: 'dist-order' });
const chart = new Chart(app, 'platform');
const ca = CaCertificate.fromFile('certs/Cert_Auth.crt');
const secret = LightstepCaCertSecret.of(chart, 'ca', { namespace: 'payments', certificate: ca });
const deployment = new kplus.Deployment(chart, 'payments', {
  metadata: { namespace: 'payments' },
  containers: [{ image: 'example/payments:1.0', portNumber: 8080 }],
});
secret.mountInto(deployment.containers[0]);
const shopSecret = LightstepCaCertSecret.of(chart, 'shop-ca', { namespace: 'shop', certificate: ca });
new Bookinfo(chart, 'bookinfo', { namespace: 'shop', istioRelease: IstioRelease.of('1.9.3') });
const tracing = new LightstepTracing(chart, 'tracing', {
  istioRelease: IstioRelease.of('1.9.3'),
  address: 'lightstep-satellite.lightstep:9292',
  caCertificate: ca,
  accessToken: AccessToken.fromEnv('LIGHTSTEP_ACCESS_TOKEN'),
  applicationNamespaces: ['shop'],
});
if (!tracing.secrets.includes(shopSecret)) throw new Error('the tracing construct wrote a second CA Secret for shop');
app.synth();
TS
(cd readme && npx --no-install tsc -p tsconfig.json && node out/main.js && node out/order.js)
[ -x readme/dist/verify.sh ] && [ -f readme/dist/INSTALL.md ] && [ -f readme/dist/istio/istio-operator.yaml ] \
  || fail "the README's composition example wrote no install guide (INSTALL.md, istio/, verify.sh) beside its manifests"
for output in readme/dist/manifests/platform.k8s.yaml readme/dist-order/platform.k8s.yaml; do
  node -e "
const text = require('node:fs').readFileSync(process.argv[1], 'utf8');
const docs = text.split(/^---$/m).map((doc) => ({ kind: /^kind: (\S+)/m.exec(doc)?.[1], name: /^  name: (\S+)/m.exec(doc)?.[1], namespace: /^  namespace: (\S+)/m.exec(doc)?.[1] }));
const shop = docs.findIndex((d) => d.kind === 'Namespace' && d.name === 'shop');
const firstInShop = docs.findIndex((d) => d.namespace === 'shop');
const secrets = docs.filter((d) => d.kind === 'Secret' && d.name === 'lightstep.cacert' && d.namespace === 'shop').length;
if (shop < 0 || firstInShop < shop || secrets !== 1) { console.error(process.argv[1] + ': Namespace shop at ' + shop + ', first object in shop at ' + firstInShop + ', ' + secrets + ' CA Secrets in shop'); process.exit(1); }
console.log('ok: ' + process.argv[1] + ': ' + docs.length + ' objects, Namespace shop first, one CA Secret in shop');
" "$output"
done
echo "== package check passed"
