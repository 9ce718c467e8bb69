/**
 * The Pod Security rules against Kubernetes' own test pods (test/fixtures/pod-security-admission: every pod in
 * pass/ is admitted at its level, every pod in fail/ refused, by the check its file is named after), and the
 * synth-time check that applies them to every pod template of a namespace that enforces a level.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import * as yaml from 'js-yaml';
import { Bookinfo, MeshNamespace } from '../src';
import { MeshAnalysis } from '../src/analysis';
import { PodSecurityLevel, podSecurityViolations } from '../src/analysis/pod-security';
import { removeTempDirs, testApp } from './support/run-app';

const FIXTURES = fileURLToPath(new URL('./fixtures/pod-security-admission', import.meta.url));

/** The restricted checks that replace a baseline check at "restricted" (OverrideCheckIDs of upstream's policy/ files). */
const REPLACED_AT_RESTRICTED: Record<string, string> = {
  capabilities_baseline: 'capabilities_restricted',
  hostpathvolumes: 'restrictedvolumes',
  procmount: 'procmount_restricted',
  seccompprofile_baseline: 'seccompprofile_restricted',
};

function fixtures(level: PodSecurityLevel, outcome: 'pass' | 'fail'): Array<[string, any]> {
  const dir = path.join(FIXTURES, level, outcome);
  return fs.readdirSync(dir).sort().map((file) => [file, yaml.load(fs.readFileSync(path.join(dir, file), 'utf8'))]);
}

/** "runasnonroot2.yaml" -> "runasnonroot": the id of the check a fixture exercises, lower-cased as upstream names it. */
const checkOf = (file: string) => file.replace(/\d+\.yaml$/, '');

describe.each(['baseline', 'restricted'] as const)('Kubernetes\' test pods at %s', (level) => {
  test.each(fixtures(level, 'pass'))('pass/%s is admitted', (_file, pod) => {
    expect(podSecurityViolations(level, pod)).toEqual([]);
  });

  test.each(fixtures(level, 'fail'))('fail/%s is refused by the check it is named after', (file, pod) => {
    const rules = podSecurityViolations(level, pod).map((violation) => violation.rule.toLowerCase());
    const expected = level === 'restricted' ? REPLACED_AT_RESTRICTED[checkOf(file)] ?? checkOf(file) : checkOf(file);
    expect(rules).toContain(expected);
  });

  test('the fixtures are all there (a copy that lost files would pass vacuously)', () => {
    expect(fixtures(level, 'fail').length).toBeGreaterThanOrEqual(level === 'baseline' ? 34 : 76);
    expect(fixtures(level, 'pass').length).toBeGreaterThanOrEqual(level === 'baseline' ? 15 : 23);
  });
});

describe('what a violation names', () => {
  test('the rule, its upstream file, the field and the fix', () => {
    const pod = {
      spec: {
        securityContext: { seccompProfile: { type: 'RuntimeDefault' }, runAsNonRoot: true },
        initContainers: [{ name: 'istio-init', securityContext: {
          allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] }, runAsNonRoot: false, runAsUser: 0,
        } }],
        containers: [{ name: 'app', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      },
    };
    expect(podSecurityViolations('restricted', pod)).toEqual([
      {
        rule: 'capabilities_restricted', level: 'restricted', source: 'policy/check_capabilities_restricted.go',
        field: 'spec.initContainers[0].securityContext.capabilities.add', problem: 'spec.initContainers[0] (istio-init) adds NET_ADMIN, NET_RAW',
        fix: expect.stringMatching(/drop: \["ALL"\].*NET_BIND_SERVICE/),
      },
      expect.objectContaining({ rule: 'runAsNonRoot', field: 'spec.initContainers[0].securityContext.runAsNonRoot' }),
      expect.objectContaining({ rule: 'runAsUser', field: 'spec.initContainers[0].securityContext.runAsUser' }),
    ]);
    // Baseline refuses the added capabilities too: they are outside the runtime's default set.
    expect(podSecurityViolations('baseline', pod).map((v) => `${v.rule} ${v.field}`))
      .toEqual(['capabilities_baseline spec.initContainers[0].securityContext.capabilities.add']);
  });
});


afterAll(removeTempDirs);

describe('the synth-time check of pod templates in namespaces that enforce a level', () => {
  function chartWith(enforce: string | undefined, securityContext?: k8s.SecurityContext) {
    const app = testApp();
    const chart = new Chart(app, 'c');
    new MeshNamespace(chart, 'ns', { name: 'shop', podSecurityEnforce: enforce });
    new k8s.KubeDeployment(chart, 'web', {
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web', securityContext }] } },
      },
    });
    return MeshAnalysis.of(chart);
  }

  test('a template that restricted refuses is an error naming the object, the field, the rule and the fix', () => {
    const findings = chartWith('restricted').analyze();
    expect(findings).toContainEqual(expect.stringMatching(
      /^Deployment shop\/web: Pod Security "restricted", which namespace shop enforces, refuses spec\.template\.spec\.containers\[0\]\.securityContext\.allowPrivilegeEscalation: .*\(rule allowPrivilegeEscalation, policy\/check_allowPrivilegeEscalation\.go\)\. Fix: set securityContext\.allowPrivilegeEscalation: false/));
    expect(findings.filter((finding) => finding.includes('Pod Security'))).toHaveLength(4);
  });

  test('the same template passes baseline, and is not checked where nothing is enforced', () => {
    expect(chartWith('baseline').analyze()).toEqual([]);
    expect(chartWith(undefined).analyze()).toEqual([]);
    expect(chartWith('privileged').analyze()).toEqual([]);
  });

  test('baseline refuses a privileged container', () => {
    expect(chartWith('baseline', { privileged: true }).analyze()).toEqual([
      expect.stringMatching(/^Deployment shop\/web: Pod Security "baseline", .*spec\.template\.spec\.containers\[0\]\.securityContext\.privileged: .*\(rule privileged/),
    ]);
  });

  test('Bookinfo with restrictedPodSecurity passes; without it, in a namespace that enforces restricted, it is refused', () => {
    const app = testApp();
    new Bookinfo(new Chart(app, 'restricted'), 'bookinfo', { namespace: 'secure', restrictedPodSecurity: true });
    expect(MeshAnalysis.of(app).analyze()).toEqual([]);

    const other = testApp();
    const chart = new Chart(other, 'c');
    new MeshNamespace(chart, 'ns', { name: 'plain', podSecurityEnforce: 'restricted' });
    new Bookinfo(chart, 'bookinfo', { namespace: 'plain', createNamespace: false });
    const findings = MeshAnalysis.of(other).analyze();
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((finding) => /^Deployment plain\/[\w-]+: Pod Security "restricted"/.test(finding))).toBe(true);
  });
});
