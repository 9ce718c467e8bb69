/**
 * INSTALL.md speaks of the lightstep.cacert Secret (how the CA reaches the pods, the gateway restart that mounts it,
 * what verify.sh checks of it) exactly when the manifests beside it create one: with a plaintext satellite there is
 * none, and the notes must not send the user looking for it.
 */
import { fileURLToPath } from 'node:url';
import { capturingWarnings, emptyWorkspace, removeTempDirs, synthesizeInto, writeConfig } from './support/run-app';
import { readOutputFolder, SynthesizedOutput } from './support/upstream-checks';

const CA_FILE = fileURLToPath(new URL('./fixtures/certs/valid-ca.pem', import.meta.url));

function synthesized(release: string, secure: boolean): SynthesizedOutput {
  const workspace = emptyWorkspace();
  const config = writeConfig(workspace, [
    'istio:', `  release: "${release}"`,
    'lightstep:', '  address: lightstep-satellite.lightstep:9292', `  secure: ${secure}`,
    ...(secure ? [`  caCertificateFile: ${JSON.stringify(CA_FILE)}`] : []), '',
  ].join('\n'));
  capturingWarnings(() => synthesizeInto(config, workspace.outputRoot));
  return readOutputFolder(workspace.outputRoot);
}

afterAll(removeTempDirs);

// The native LightStep tracer generations, where the CA travels in lightstep.cacert: Helm values (1.1-1.5), mesh config (1.6-1.14).
describe.each(['1.3.8', '1.4.10', '1.7.0', '1.9.9', '1.12.9'])('Istio %s', (release) => {
  test.each([true, false])('secure: %s: INSTALL.md names lightstep.cacert only if the manifests create it', (secure) => {
    const output = synthesized(release, secure);
    const secretEmitted = output.objects.some((o) => o.kind === 'Secret' && o.metadata.name === 'lightstep.cacert');
    expect(secretEmitted).toBe(secure);
    const mentions = output.installNotes.split('\n').filter((line) => /lightstep\.cacert|CA certificate/.test(line));
    if (secretEmitted) expect(mentions.length).toBeGreaterThan(0);
    else expect(mentions).toEqual([]);
  });
});
