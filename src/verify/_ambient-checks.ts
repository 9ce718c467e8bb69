import { DATAPLANE_MODE_LABEL, USE_WAYPOINT_LABEL, WAYPOINT_CLASS } from '../_ambient-labels';
import { jsonPathKey, shellQuote as q } from './_shell';

/** What verify.sh checks of the ambient data plane, defaults applied and checked by VerifyScript. */
export interface AmbientModel {
  readonly ztunnelDaemonSet: string;
  readonly cniDaemonSet: string;
  /**
   * Where the CNI node agent's ambient switch is: the env AMBIENT_ENABLED of its install-cni container (1.22), or the
   * key AMBIENT_ENABLED of its ConfigMap istio-cni-config (1.23 and later), as the istio/cni chart renders it.
   */
  readonly cniAmbientFlag: 'env' | 'configmap';
  readonly waypointName: string;
  /** The Bookinfo Services the waypoint must serve. */
  readonly services: readonly string[];
  /** Whether istiod writes the Service condition istio.io/WaypointBound (1.24 and later). */
  readonly waypointBoundCondition: boolean;
  /** The ingress gateway's service name in LightStep, for the verdict when no waypoint serves the traffic. */
  readonly ingressSpanService?: string;
}

/** What the CNI node agent writes on a pod it took over, and istiod on a Service it bound (annotation.AmbientRedirection, model.WaypointBound). */
const REDIRECTION_ANNOTATION = 'ambient.istio.io/redirection';
const WAYPOINT_BOUND_CONDITION = 'istio.io/WaypointBound';

/**
 * Pre-flight of the ambient data plane: ztunnel and the CNI node agent run on every node, istiod runs in ambient mode,
 * the Bookinfo namespace is enrolled without an injection label and every Bookinfo pod is captured (the CNI agent's
 * annotation, no sidecar), the waypoint is programmed and every Bookinfo Service is bound to it. Sets `waypoint_gap`
 * to what keeps the waypoint from serving the traffic, for the verdict.
 */
export function ambientPreflight(a: AmbientModel, deploymentNames: readonly string[]): string[] {
  const flag = a.cniAmbientFlag === 'configmap'
    ? 'k -n "$ISTIO_NS" get configmap istio-cni-config -o jsonpath=\'{.data.AMBIENT_ENABLED}\''
    : `k -n "$ISTIO_NS" get daemonset "$CNI_DS" -o jsonpath='{.spec.template.spec.containers[?(@.name=="install-cni")].env[?(@.name=="AMBIENT_ENABLED")].value}'`;
  const out = [
    '',
    'section \'ambient data plane\'',
    `ZTUNNEL_DS=${q(a.ztunnelDaemonSet)}`,
    `CNI_DS=${q(a.cniDaemonSet)}`,
    `WAYPOINT=${q(a.waypointName)}`,
    'waypoint_gap=""',
    '# A DaemonSet of the Istio namespace with a ready pod on every node it schedules to.',
    'check_daemonset() { # name, what it is',
    '  local desired ready',
    '  desired=$(k -n "$ISTIO_NS" get daemonset "$1" -o jsonpath=\'{.status.desiredNumberScheduled}\')',
    '  ready=$(k -n "$ISTIO_NS" get daemonset "$1" -o jsonpath=\'{.status.numberReady}\')',
    '  if [ -z "$desired" ]; then',
    '    problem "$2 (DaemonSet $1) is missing in namespace $ISTIO_NS" "install Istio with the ambient profile as step 2 of INSTALL.md says (istioctl with istio/istio-operator.yaml, or the istio/cni and istio/ztunnel charts)"',
    '  elif [ "$desired" -ge 1 ] 2>/dev/null && [ "${ready:-0}" = "$desired" ]; then',
    '    ok "$2 (DaemonSet $1) is ready on $ready of $desired nodes"',
    '  else',
    '    problem "$2 (DaemonSet $1) is ready on ${ready:-0} of $desired nodes" "kubectl -n $ISTIO_NS describe daemonset $1; kubectl -n $ISTIO_NS logs daemonset/$1"',
    '  fi',
    '}',
    'check_daemonset "$ZTUNNEL_DS" ztunnel',
    'check_daemonset "$CNI_DS" \'the Istio CNI node agent\'',
    `cni_ambient=$(${flag})`,
    'if [ "$cni_ambient" = true ]; then',
    '  ok "the Istio CNI node agent redirects ambient pods (AMBIENT_ENABLED=true)"',
    'else',
    '  problem "the Istio CNI node agent does not redirect ambient pods (AMBIENT_ENABLED=${cni_ambient:-unset})" "install the istio/cni chart with profile ambient (istio/cni-helm-values.yaml), or Istio with the ambient profile (istio/istio-operator.yaml)"',
    'fi',
    'pilot_ambient=$(k -n "$ISTIO_NS" get deployment istiod -o jsonpath=\'{.spec.template.spec.containers[?(@.name=="discovery")].env[?(@.name=="PILOT_ENABLE_AMBIENT")].value}\')',
    'if [ "$pilot_ambient" = true ]; then',
    '  ok "istiod runs in ambient mode (PILOT_ENABLE_AMBIENT=true)"',
    'else',
    '  problem "istiod does not run in ambient mode (PILOT_ENABLE_AMBIENT=${pilot_ambient:-unset})" "install istiod with profile ambient (istio/istiod-helm-values.yaml or istio/istio-operator.yaml)"',
    'fi',
    '',
    `ns_mode=$(k get namespace "$BOOKINFO_NS" -o jsonpath=${q(`{.metadata.labels.${jsonPathKey(DATAPLANE_MODE_LABEL)}}`)})`,
    'ns_injection=$(k get namespace "$BOOKINFO_NS" -o jsonpath=\'{.metadata.labels.istio-injection}{.metadata.labels.istio\\.io/rev}\')',
    `ns_waypoint=$(k get namespace "$BOOKINFO_NS" -o jsonpath=${q(`{.metadata.labels.${jsonPathKey(USE_WAYPOINT_LABEL)}}`)})`,
    'if [ "$ns_mode" = ambient ]; then',
    `  ok "namespace $BOOKINFO_NS is in the ambient data plane (${DATAPLANE_MODE_LABEL}=ambient)"`,
    'else',
    `  problem "namespace $BOOKINFO_NS is not in the ambient data plane (${DATAPLANE_MODE_LABEL}=\${ns_mode:-unset})" "apply the generated namespaces (kubectl apply -f $MANIFESTS/), or: kubectl label namespace $BOOKINFO_NS ${DATAPLANE_MODE_LABEL}=ambient"`,
    'fi',
    'if [ -n "$ns_injection" ] && [ "$ns_injection" != disabled ]; then',
    '  problem "namespace $BOOKINFO_NS has a sidecar injection label (istio-injection or istio.io/rev): its pods get sidecars and leave the ambient data plane" "kubectl label namespace $BOOKINFO_NS istio-injection- istio.io/rev-, then restart its Deployments"',
    'fi',
    '',
    '# Bookinfo pods as lines "name|ambient redirection annotation|containers".',
    `pods=$(k -n "$BOOKINFO_NS" get pods -o jsonpath=${q(`{range .items[*]}{.metadata.name}{"|"}{.metadata.annotations.${jsonPathKey(REDIRECTION_ANNOTATION)}}{"|"}{.spec.containers[*].name}{"\\n"}{end}`)})`,
    'check_capture() { # Deployment',
    '  local name redirection containers found=0',
    '  while IFS=\'|\' read -r name redirection containers; do',
    '    case "$name" in "$1"-*) ;; *) continue ;; esac',
    '    found=1',
    '    if [[ " $containers " == *" istio-proxy "* ]]; then',
    '      problem "pod $name (Bookinfo $1) has an istio-proxy sidecar, so the ambient data plane leaves it out" "remove the injection label of namespace $BOOKINFO_NS (and any sidecar.istio.io/inject label of the pod), then: kubectl -n $BOOKINFO_NS rollout restart deployment $1"',
    '    elif [ "$redirection" = enabled ]; then',
    `      ok "pod $name (Bookinfo $1) is captured by the ambient data plane (${REDIRECTION_ANNOTATION}: enabled)"`,
    '    elif [ "$redirection" = pending ]; then',
    '      problem "pod $name (Bookinfo $1): the Istio CNI node agent redirected its traffic, but ztunnel has not taken it over yet" "kubectl -n $ISTIO_NS logs daemonset/$ZTUNNEL_DS"',
    '    else',
    `      problem "pod $name (Bookinfo $1) is not captured by the ambient data plane (no ${REDIRECTION_ANNOTATION} annotation)" "check the namespace label above and the Istio CNI node agent: kubectl -n $ISTIO_NS logs daemonset/$CNI_DS"`,
    '    fi',
    '  done <<<"$pods"',
    '  if [ "$found" -eq 0 ]; then problem "no running pod of Bookinfo $1 in namespace $BOOKINFO_NS" "kubectl -n $BOOKINFO_NS get pods; apply the generated manifests (kubectl apply -f $MANIFESTS/)"; fi',
    '}',
    ...deploymentNames.map((deployment) => `check_capture ${q(deployment)}`),
    '',
    ...waypointChecks(a),
  ];
  return out;
}

/** The waypoint Gateway, then each Service's binding to it. */
function waypointChecks(a: AmbientModel): string[] {
  const gateway = `gateways.gateway.networking.k8s.io "$WAYPOINT"`;
  const bound = a.waypointBoundCondition
    ? [
      `    bound=$(k -n "$BOOKINFO_NS" get service "$svc" -o jsonpath=${q(`{.status.conditions[?(@.type=="${WAYPOINT_BOUND_CONDITION}")].status}`)})`,
      `    why=$(k -n "$BOOKINFO_NS" get service "$svc" -o jsonpath=${q(`{.status.conditions[?(@.type=="${WAYPOINT_BOUND_CONDITION}")].message}`)})`,
      '    if [ "$bound" = True ]; then',
      `      ok "Service $svc is bound to the waypoint $BOOKINFO_NS/$WAYPOINT (${WAYPOINT_BOUND_CONDITION}: True)"`,
      '    else',
      '      unbound="$unbound $svc"',
      `      problem "Service $svc is labelled for the waypoint $BOOKINFO_NS/$WAYPOINT, but istiod has not bound it (${WAYPOINT_BOUND_CONDITION}: \${bound:-no condition}\${why:+, \$why})" "kubectl -n $BOOKINFO_NS describe service $svc; the waypoint must be programmed (see above)"`,
      '    fi',
    ]
    : [
      // 1.22-1.23 write no binding status: the labels are all there is to read.
      `    ok "Service $svc uses the waypoint $BOOKINFO_NS/$WAYPOINT (label ${USE_WAYPOINT_LABEL})"`,
    ];
  return [
    `wp_class=$(k -n "$BOOKINFO_NS" get ${gateway} -o jsonpath='{.spec.gatewayClassName}')`,
    'if [ -z "$wp_class" ]; then',
    '  waypoint_gap="the waypoint Gateway $BOOKINFO_NS/$WAYPOINT does not exist"',
    `  problem "no waypoint: Gateway $WAYPOINT (class ${WAYPOINT_CLASS}) does not exist in namespace $BOOKINFO_NS" "apply the generated manifests, which hold it (kubectl apply -f $MANIFESTS/); the Gateway API CRDs must be installed first (step 3 of INSTALL.md)"`,
    `elif [ "$wp_class" != ${WAYPOINT_CLASS} ]; then`,
    '  waypoint_gap="Gateway $BOOKINFO_NS/$WAYPOINT is of class $wp_class"',
    `  problem "Gateway $BOOKINFO_NS/$WAYPOINT is of class $wp_class, not ${WAYPOINT_CLASS}, so it is no waypoint" "apply the generated manifests again (kubectl apply -f $MANIFESTS/)"`,
    'else',
    `  programmed=$(k -n "$BOOKINFO_NS" get ${gateway} -o jsonpath='{.status.conditions[?(@.type=="Programmed")].status}')`,
    `  address=$(k -n "$BOOKINFO_NS" get ${gateway} -o jsonpath='{.status.addresses[0].value}')`,
    '  if [ "$programmed" = True ] && [ -n "$address" ]; then',
    '    ok "waypoint $BOOKINFO_NS/$WAYPOINT is programmed (address $address)"',
    '  else',
    '    waypoint_gap="the waypoint $BOOKINFO_NS/$WAYPOINT is not programmed"',
    '    problem "waypoint $BOOKINFO_NS/$WAYPOINT is not programmed (Programmed: ${programmed:-unknown}, address: ${address:-none})" "istiod deploys it as Deployment $WAYPOINT: kubectl -n $BOOKINFO_NS describe deployment $WAYPOINT; kubectl -n $BOOKINFO_NS describe gateways.gateway.networking.k8s.io $WAYPOINT"',
    '  fi',
    'fi',
    'unbound=""',
    `for svc in ${a.services.map(q).join(' ')}; do`,
    `  svc_waypoint=$(k -n "$BOOKINFO_NS" get service "$svc" -o jsonpath=${q(`{.metadata.labels.${jsonPathKey(USE_WAYPOINT_LABEL)}}`)})`,
    '  # The Service\'s own label wins over its namespace\'s; "none" opts out.',
    '  used=${svc_waypoint:-$ns_waypoint}',
    '  if [ "$used" != "$WAYPOINT" ]; then',
    '    unbound="$unbound $svc"',
    `    problem "Service $svc is served by no waypoint (${USE_WAYPOINT_LABEL}: \${used:-none} on the Service or namespace $BOOKINFO_NS), so calls to it make no span" "kubectl label namespace $BOOKINFO_NS ${USE_WAYPOINT_LABEL}=$WAYPOINT --overwrite (the generated namespace carries it), and remove the Service's own ${USE_WAYPOINT_LABEL} label"`,
    '  else',
    ...bound,
    '  fi',
    'done',
    `if [ -z "$waypoint_gap" ] && [ "\${unbound# }" = ${q(a.services.join(' '))} ]; then waypoint_gap="no Bookinfo Service is bound to the waypoint $BOOKINFO_NS/$WAYPOINT"; fi`,
    ...(a.ingressSpanService === undefined ? [] : [`INGRESS_SPAN_SERVICE=${q(a.ingressSpanService)}`]),
  ];
}

/** The verdict's line when no waypoint serves the traffic: which spans can still come, and what is missing. */
export function ambientVerdict(a: AmbientModel): string[] {
  const source = a.ingressSpanService === undefined
    ? 'No span can come from Bookinfo\'s calls'
    : 'Spans can only come from the ingress gateway ($INGRESS_SPAN_SERVICE)';
  return [
    'if [ -n "$waypoint_gap" ]; then',
    `  printf '%s\\n' "${source}: no waypoint serves ${a.services.join(', ')} ($waypoint_gap)."`,
    ...(a.ingressSpanService === undefined ? [] : ['  LS_SERVICE=$INGRESS_SPAN_SERVICE']),
    'fi',
  ];
}
