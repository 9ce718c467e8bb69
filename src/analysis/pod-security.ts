/**
 * Kubernetes' Pod Security Standards, "baseline" and "restricted", as the admission controller enforces them at
 * its newest policy version: ported rule by rule from kubernetes/pod-security-admission `policy/check_*.go`
 * (commit 8f84a87c, policy v1.37; each rule names its file). A pure function of one pod, so that it applies as
 * well to the pod templates an app synthesizes as to the containers Istio's injector adds or the gateway pod
 * istiod deploys. The messages are this library's own; the rule ids are the upstream check ids.
 */

/** A Pod Security Standard level that restricts pods ("privileged" restricts nothing). */
export type PodSecurityLevel = 'baseline' | 'restricted';

/** The namespace label whose value is the level the admission controller enforces there. */
export const POD_SECURITY_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

/** One field of one pod that a rule refuses. */
export interface PodSecurityViolation {
  /** The upstream check id, e.g. "runAsNonRoot". */
  readonly rule: string;
  /** The level the rule belongs to. */
  readonly level: PodSecurityLevel;
  /** The upstream file the rule is ported from, e.g. "policy/check_runAsNonRoot.go". */
  readonly source: string;
  /** Path of the offending field in the pod, e.g. "spec.containers[0].securityContext.runAsNonRoot". */
  readonly field: string;
  /** What is wrong with it. */
  readonly problem: string;
  /** What to write instead. */
  readonly fix: string;
}

/** A pod as the rules read it: a Pod manifest, or the template of a workload (metadata and spec). */
export interface PodShape {
  readonly metadata?: { readonly annotations?: Record<string, string> };
  readonly spec?: any;
}

interface Finding {
  readonly field: string;
  readonly problem: string;
}

interface Rule {
  readonly id: string;
  readonly level: PodSecurityLevel;
  readonly source: string;
  /** The baseline rule this restricted rule replaces when "restricted" is evaluated (OverrideCheckIDs upstream). */
  readonly overrides?: string;
  readonly fix: string;
  readonly check: (pod: PodShape) => Finding[];
}

interface VisitedContainer {
  readonly container: any;
  /** e.g. "spec.initContainers[0]" */
  readonly path: string;
}

/** Every container of the pod, init containers first, then containers, then ephemeral ones (policy/visitor.go). */
function containersOf(spec: any): VisitedContainer[] {
  const visited: VisitedContainer[] = [];
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    (spec?.[list] ?? []).forEach((container: any, index: number) => visited.push({ container, path: `spec.${list}[${index}]` }));
  }
  return visited;
}

const named = ({ container, path }: VisitedContainer) => `${path} (${container?.name ?? 'unnamed'})`;

/** A pod that runs in its own user namespace, for which some rules relax (policy/helpers.go relaxPolicyForUserNamespacePod). */
const inUserNamespace = (pod: PodShape) => pod.spec?.hostUsers === false;
/** A pod declared to run on Windows, which some restricted rules exempt because the API forbids their fields there. */
const onWindows = (pod: PodShape) => pod.spec?.os?.name === 'windows';

const DEFAULT_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD',
  'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat']);
const RESTRICTED_VOLUME_SOURCES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image',
  'persistentVolumeClaim', 'projected', 'secret']);
const CONFINING_PROFILE_TYPES = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** Pod-level then container-level security contexts, each with its path. */
function securityContexts(pod: PodShape): Array<{ context: any; path: string; who: string }> {
  const contexts = [];
  if (pod.spec?.securityContext) contexts.push({ context: pod.spec.securityContext, path: 'spec.securityContext', who: 'the pod' });
  for (const visited of containersOf(pod.spec)) {
    if (visited.container?.securityContext) {
      contexts.push({ context: visited.container.securityContext, path: `${visited.path}.securityContext`, who: `container ${visited.container.name}` });
    }
  }
  return contexts;
}

/** The source of a volume; one without any is defaulted to emptyDir by the API server before admission runs. */
function volumeSource(volume: any): string {
  return Object.keys(volume ?? {}).find((key) => key !== 'name') ?? 'emptyDir';
}

const RULES: readonly Rule[] = [
  {
    // policy/check_hostNamespaces.go (1.0)
    id: 'hostNamespaces', level: 'baseline', source: 'policy/check_hostNamespaces.go',
    fix: 'leave hostNetwork, hostPID and hostIPC unset or false',
    check: (pod) => ['hostNetwork', 'hostPID', 'hostIPC'].filter((field) => pod.spec?.[field] === true)
      .map((field) => ({ field: `spec.${field}`, problem: `the pod shares the node's ${field.slice(4).toLowerCase()} namespace` })),
  },
  {
    // policy/check_privileged.go (1.0)
    id: 'privileged', level: 'baseline', source: 'policy/check_privileged.go',
    fix: 'remove securityContext.privileged or set it to false',
    check: (pod) => containersOf(pod.spec).filter(({ container }) => container?.securityContext?.privileged === true)
      .map((visited) => ({ field: `${visited.path}.securityContext.privileged`, problem: `${named(visited)} runs privileged` })),
  },
  {
    // policy/check_capabilities_baseline.go (1.0)
    id: 'capabilities_baseline', level: 'baseline', source: 'policy/check_capabilities_baseline.go',
    fix: `add only capabilities of the container runtime's default set (${[...DEFAULT_CAPABILITIES].join(', ')})`,
    check: (pod) => containersOf(pod.spec).flatMap((visited) => {
      const added: string[] = visited.container?.securityContext?.capabilities?.add ?? [];
      const extra = added.filter((capability) => !DEFAULT_CAPABILITIES.has(capability));
      return extra.length === 0 ? [] : [{ field: `${visited.path}.securityContext.capabilities.add`, problem: `${named(visited)} adds ${extra.join(', ')}` }];
    }),
  },
  {
    // policy/check_hostPathVolumes.go (1.0)
    id: 'hostPathVolumes', level: 'baseline', source: 'policy/check_hostPathVolumes.go',
    fix: 'use a configMap, secret, emptyDir, projected or persistentVolumeClaim volume instead of hostPath',
    check: (pod) => (pod.spec?.volumes ?? []).flatMap((volume: any, index: number) => volume?.hostPath
      ? [{ field: `spec.volumes[${index}].hostPath`, problem: `volume ${volume.name} mounts a path of the node` }] : []),
  },
  {
    // policy/check_hostPorts.go (1.0)
    id: 'hostPorts', level: 'baseline', source: 'policy/check_hostPorts.go',
    fix: 'remove hostPort (reach the pod through a Service instead)',
    check: (pod) => containersOf(pod.spec).flatMap((visited) => (visited.container?.ports ?? []).flatMap((port: any, index: number) =>
      port?.hostPort !== undefined && port.hostPort !== 0
        ? [{ field: `${visited.path}.ports[${index}].hostPort`, problem: `${named(visited)} binds port ${port.hostPort} of the node` }] : [])),
  },
  {
    // policy/check_appArmorProfile.go (1.0): the field, and the older per-container annotations.
    id: 'appArmorProfile', level: 'baseline', source: 'policy/check_appArmorProfile.go',
    fix: 'leave the AppArmor profile unset, or use type RuntimeDefault or Localhost (annotation values runtime/default or localhost/<profile>)',
    check: (pod) => {
      const findings: Finding[] = unconfinedProfiles(pod, 'appArmorProfile', 'AppArmor profile');
      for (const [key, value] of Object.entries<string>(pod.metadata?.annotations ?? {})) {
        if (!key.startsWith(APPARMOR_ANNOTATION_PREFIX)) continue;
        if (value === '' || value === 'runtime/default' || value.startsWith('localhost/')) continue;
        findings.push({ field: `metadata.annotations[${key}]`, problem: `the annotation sets AppArmor profile ${JSON.stringify(value)}` });
      }
      return findings;
    },
  },
  {
    // policy/check_seLinuxOptions.go (1.31: container_engine_t allowed)
    id: 'seLinuxOptions', level: 'baseline', source: 'policy/check_seLinuxOptions.go',
    fix: `leave seLinuxOptions.user and role unset, and the type unset or one of ${[...SELINUX_TYPES].filter(Boolean).join(', ')}`,
    check: (pod) => securityContexts(pod).flatMap(({ context, path, who }) => {
      const options = context.seLinuxOptions;
      if (!options) return [];
      const findings: Finding[] = [];
      if (!SELINUX_TYPES.has(options.type ?? '')) findings.push({ field: `${path}.seLinuxOptions.type`, problem: `${who} sets SELinux type ${JSON.stringify(options.type)}` });
      if (options.user) findings.push({ field: `${path}.seLinuxOptions.user`, problem: `${who} sets an SELinux user` });
      if (options.role) findings.push({ field: `${path}.seLinuxOptions.role`, problem: `${who} sets an SELinux role` });
      return findings;
    }),
  },
  {
    // policy/check_procMount_baseline.go (1.35: any value in a user namespace)
    id: 'procMount', level: 'baseline', source: 'policy/check_procMount_baseline.go',
    fix: 'leave securityContext.procMount unset or "Default" (or run the pod with hostUsers: false)',
    check: (pod) => inUserNamespace(pod) ? [] : unmaskedProcMounts(pod),
  },
  {
    // policy/check_seccompProfile_baseline.go (1.19: the field; the annotations counted only before)
    id: 'seccompProfile_baseline', level: 'baseline', source: 'policy/check_seccompProfile_baseline.go',
    fix: 'leave seccompProfile unset, or use type RuntimeDefault or Localhost',
    check: (pod) => unconfinedProfiles(pod, 'seccompProfile', 'seccomp profile'),
  },
  {
    // policy/check_sysctls.go (1.37 allow-list)
    id: 'sysctls', level: 'baseline', source: 'policy/check_sysctls.go',
    fix: `set only the namespaced, node-safe sysctls: ${[...SAFE_SYSCTLS].join(', ')}`,
    check: (pod) => (pod.spec?.securityContext?.sysctls ?? []).flatMap((sysctl: any, index: number) => SAFE_SYSCTLS.has(sysctl?.name) ? []
      : [{ field: `spec.securityContext.sysctls[${index}].name`, problem: `sysctl ${sysctl?.name} is not one of the safe ones` }]),
  },
  {
    // policy/check_windowsHostProcess.go (1.0)
    id: 'windowsHostProcess', level: 'baseline', source: 'policy/check_windowsHostProcess.go',
    fix: 'remove securityContext.windowsOptions.hostProcess or set it to false',
    check: (pod) => securityContexts(pod).filter(({ context }) => context.windowsOptions?.hostProcess === true)
      .map(({ path, who }) => ({ field: `${path}.windowsOptions.hostProcess`, problem: `${who} runs as a Windows host process` })),
  },
  {
    // policy/check_hostProbesAndhostLifecycle.go (1.34)
    id: 'hostProbesAndHostLifecycle', level: 'baseline', source: 'policy/check_hostProbesAndhostLifecycle.go',
    fix: 'remove host from the probe or lifecycle handler, so that it reaches the pod itself',
    check: (pod) => containersOf(pod.spec).flatMap((visited) => {
      const handlers: Array<[string, any]> = [
        ['livenessProbe', visited.container?.livenessProbe], ['readinessProbe', visited.container?.readinessProbe],
        ['startupProbe', visited.container?.startupProbe],
        ['lifecycle.postStart', visited.container?.lifecycle?.postStart], ['lifecycle.preStop', visited.container?.lifecycle?.preStop],
      ];
      return handlers.flatMap(([where, handler]) => ['httpGet', 'tcpSocket'].filter((kind) => handler?.[kind]?.host)
        .map((kind) => ({ field: `${visited.path}.${where}.${kind}.host`, problem: `${named(visited)} sends its ${where} to host ${handler[kind].host}` })));
    }),
  },
  {
    // policy/check_allowPrivilegeEscalation.go (1.25: Windows pods exempt)
    id: 'allowPrivilegeEscalation', level: 'restricted', source: 'policy/check_allowPrivilegeEscalation.go',
    fix: 'set securityContext.allowPrivilegeEscalation: false on every container',
    check: (pod) => onWindows(pod) ? [] : containersOf(pod.spec).filter(({ container }) => container?.securityContext?.allowPrivilegeEscalation !== false)
      .map((visited) => ({ field: `${visited.path}.securityContext.allowPrivilegeEscalation`, problem: `${named(visited)} does not set it to false` })),
  },
  {
    // policy/check_capabilities_restricted.go (1.25: Windows pods exempt)
    id: 'capabilities_restricted', level: 'restricted', source: 'policy/check_capabilities_restricted.go', overrides: 'capabilities_baseline',
    fix: 'set securityContext.capabilities.drop: ["ALL"] on every container, and add nothing but NET_BIND_SERVICE',
    check: (pod) => onWindows(pod) ? [] : containersOf(pod.spec).flatMap((visited) => {
      const capabilities = visited.container?.securityContext?.capabilities;
      const findings: Finding[] = [];
      if (!(capabilities?.drop ?? []).includes('ALL')) {
        findings.push({ field: `${visited.path}.securityContext.capabilities.drop`, problem: `${named(visited)} does not drop ALL` });
      }
      const forbidden = (capabilities?.add ?? []).filter((capability: string) => capability !== 'NET_BIND_SERVICE');
      if (forbidden.length > 0) findings.push({ field: `${visited.path}.securityContext.capabilities.add`, problem: `${named(visited)} adds ${forbidden.join(', ')}` });
      return findings;
    }),
  },
  {
    // policy/check_procMount_restricted.go (1.35: unconditional, replacing the baseline rule)
    id: 'procMount_restricted', level: 'restricted', source: 'policy/check_procMount_restricted.go', overrides: 'procMount',
    fix: 'leave securityContext.procMount unset or "Default"',
    check: unmaskedProcMounts,
  },
  {
    // policy/check_restrictedVolumes.go (1.0)
    id: 'restrictedVolumes', level: 'restricted', source: 'policy/check_restrictedVolumes.go', overrides: 'hostPathVolumes',
    fix: `use only ${[...RESTRICTED_VOLUME_SOURCES].join(', ')} volumes`,
    check: (pod) => (pod.spec?.volumes ?? []).flatMap((volume: any, index: number) => {
      const source = volumeSource(volume);
      return RESTRICTED_VOLUME_SOURCES.has(source) ? [] : [{ field: `spec.volumes[${index}].${source}`, problem: `volume ${volume?.name} is of type ${source}` }];
    }),
  },
  {
    // policy/check_runAsNonRoot.go (1.35: any value in a user namespace)
    id: 'runAsNonRoot', level: 'restricted', source: 'policy/check_runAsNonRoot.go',
    fix: 'set spec.securityContext.runAsNonRoot: true (or runAsNonRoot: true on every container), and never false',
    check: (pod) => {
      if (inUserNamespace(pod)) return [];
      const podValue = pod.spec?.securityContext?.runAsNonRoot;
      const findings: Finding[] = podValue === false ? [{ field: 'spec.securityContext.runAsNonRoot', problem: 'the pod sets it to false' }] : [];
      for (const visited of containersOf(pod.spec)) {
        const value = visited.container?.securityContext?.runAsNonRoot;
        if (value === false) findings.push({ field: `${visited.path}.securityContext.runAsNonRoot`, problem: `${named(visited)} sets it to false` });
        else if (value === undefined && podValue !== true) {
          findings.push({ field: `${visited.path}.securityContext.runAsNonRoot`, problem: `${named(visited)} does not set it, nor does the pod` });
        }
      }
      return findings;
    },
  },
  {
    // policy/check_runAsUser.go (1.35: any value in a user namespace)
    id: 'runAsUser', level: 'restricted', source: 'policy/check_runAsUser.go',
    fix: 'remove runAsUser: 0, or give a non-zero user id',
    check: (pod) => inUserNamespace(pod) ? [] : securityContexts(pod).filter(({ context }) => context.runAsUser === 0)
      .map(({ path, who }) => ({ field: `${path}.runAsUser`, problem: `${who} runs as user 0 (root)` })),
  },
  {
    // policy/check_seccompProfile_restricted.go (1.25: Windows pods exempt)
    id: 'seccompProfile_restricted', level: 'restricted', source: 'policy/check_seccompProfile_restricted.go', overrides: 'seccompProfile_baseline',
    fix: 'set spec.securityContext.seccompProfile.type: RuntimeDefault (or Localhost), and no other type on any container',
    check: (pod) => {
      if (onWindows(pod)) return [];
      const podProfile = pod.spec?.securityContext?.seccompProfile;
      const findings: Finding[] = [];
      if (podProfile && !CONFINING_PROFILE_TYPES.has(podProfile.type)) {
        findings.push({ field: 'spec.securityContext.seccompProfile.type', problem: `the pod sets type ${JSON.stringify(podProfile.type ?? '')}` });
      }
      const podConfines = podProfile !== undefined && CONFINING_PROFILE_TYPES.has(podProfile.type);
      for (const visited of containersOf(pod.spec)) {
        const profile = visited.container?.securityContext?.seccompProfile;
        if (profile && !CONFINING_PROFILE_TYPES.has(profile.type)) {
          findings.push({ field: `${visited.path}.securityContext.seccompProfile.type`, problem: `${named(visited)} sets type ${JSON.stringify(profile.type ?? '')}` });
        } else if (!profile && !podConfines) {
          findings.push({ field: `${visited.path}.securityContext.seccompProfile`, problem: `${named(visited)} has no seccomp profile, nor does the pod` });
        }
      }
      return findings;
    },
  },
];

/** Security contexts that set a profile (seccomp, AppArmor) of a type other than RuntimeDefault or Localhost. */
function unconfinedProfiles(pod: PodShape, key: 'seccompProfile' | 'appArmorProfile', what: string): Finding[] {
  return securityContexts(pod)
    .filter(({ context }) => context[key] && !CONFINING_PROFILE_TYPES.has(context[key].type))
    .map(({ context, path, who }) => ({ field: `${path}.${key}.type`, problem: `${who} sets ${what} type ${JSON.stringify(context[key].type ?? '')}` }));
}

/** procMount other than "Default" on any container (policy/check_procMount_baseline.go procMount_1_0). */
function unmaskedProcMounts(pod: PodShape): Finding[] {
  return containersOf(pod.spec)
    .filter(({ container }) => container?.securityContext?.procMount !== undefined && container.securityContext.procMount !== 'Default')
    .map((visited) => ({ field: `${visited.path}.securityContext.procMount`, problem: `${named(visited)} sets procMount ${visited.container.securityContext.procMount}` }));
}

/** The rules a level evaluates: baseline's own; restricted's plus every baseline rule that none of them replaces. */
function rulesOf(level: PodSecurityLevel): Rule[] {
  if (level === 'baseline') return RULES.filter((rule) => rule.level === 'baseline');
  const replaced = new Set(RULES.map((rule) => rule.overrides).filter((id) => id !== undefined));
  return RULES.filter((rule) => !replaced.has(rule.id));
}

/** Whether a value is a level that restricts pods. */
export function isPodSecurityLevel(value: unknown): value is PodSecurityLevel {
  return value === 'baseline' || value === 'restricted';
}

/**
 * Every field of `pod` that Pod Security Admission would refuse at `level`, one violation per field, in rule
 * order; empty when the pod is admitted. `pod` is a Pod manifest or a workload's pod template (metadata, spec).
 */
export function podSecurityViolations(level: PodSecurityLevel, pod: PodShape): PodSecurityViolation[] {
  return rulesOf(level).flatMap((rule) => rule.check(pod).map((finding) => ({
    rule: rule.id, level: rule.level, source: rule.source, field: finding.field, problem: finding.problem, fix: rule.fix,
  })));
}
