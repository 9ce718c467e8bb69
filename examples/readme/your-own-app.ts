import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import {
  AccessToken, Bookinfo, CaCertificate, IstioRelease, LightstepCaCertSecret, LightstepInstallGuide, LightstepTracing, MeshAnalysis, MeshNamespace,
} from 'cdk8s-istio-lightstep';

// `cdk8s synth` names the folder it lists, or streams with --stdout, in CDK8S_OUTDIR; run directly, this writes dist/manifests.
const app = new App({ outdir: process.env.CDK8S_OUTDIR ?? 'dist/manifests' });
const chart = new Chart(app, 'platform');
const ca = CaCertificate.fromFile('certs/Cert_Auth.crt');
const tracing = new LightstepTracing(chart, 'tracing', {
  istioRelease: IstioRelease.of('1.9.3'),
  address: 'lightstep-satellite.lightstep:9292',
  caCertificate: ca,
  accessToken: AccessToken.fromEnv('LIGHTSTEP_ACCESS_TOKEN'),
  applicationNamespaces: ['shop'],
});
// Creates Namespace shop, which the output applies before the Secret above puts in it, whatever the order here.
// Created after the tracing and given no istioRelease, Bookinfo follows its release: one app, one Istio.
const bookinfo = new Bookinfo(chart, 'bookinfo', { namespace: 'shop' });

// `of` returns the namespace's CA Secret if the app has one already (the tracing construct's for shop, say)
// instead of writing a second one. `mountInto` mounts it read-only at /etc/lightstep, where LightStep tracers
// read cacert.pem, as the volume lightstep-cacert (kplus.Volume.fromSecret would name it after the Secret,
// secret-lightstep.cacert, which the API server refuses: volume names take no dots).
new MeshNamespace(chart, 'payments-namespace', { name: 'payments' });
const secret = LightstepCaCertSecret.of(chart, 'ca', { namespace: 'payments', certificate: ca });
const deployment = new kplus.Deployment(chart, 'payments', {
  metadata: { namespace: 'payments' },
  containers: [{ image: 'example/payments:1.0', portNumber: 8080 }],
});
secret.mountInto(deployment.containers[0]);

// The synth-time analysis runs first and fails the synth, writing nothing, when the objects do not fit together.
app.synth();
// Into dist, beside the manifests: the Istio install inputs (istio/), INSTALL.md with every command for the release,
// in order, and verify.sh, the read-only check that spans reach LightStep; manifestsDir is where these find the
// manifests from there. Into the App's outdir: the Kustomization of the manifests, for kubectl apply -k, Argo CD, Flux.
new LightstepInstallGuide({ tracing, bookinfo, manifestsDir: 'manifests' }).writeTo('dist');
// The constructs never print; show their warnings (e.g. an expiring CA) the way your app reports things.
for (const warning of MeshAnalysis.of(app).warnings()) console.warn(`Warning: ${warning}`);
