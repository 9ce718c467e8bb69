import { Bookinfo } from '../bookinfo/bookinfo';
import { BookinfoIngressKind } from '../bookinfo/bookinfo-ingress-kind';
import { DataplaneMode } from '../dataplane-mode';
import { HelmChartSource, TracingGeneration } from '../istio-release';
import { MeshNamespace } from '../mesh-namespace';
import { AccessTokenSource } from '../tracing/access-token';
import { IstioInstallInput, IstioInstallTool } from '../tracing/istio-install-input';
import { LightstepTracing } from '../tracing/lightstep-tracing';
import { handSteps, HandStep, hasHandStep, InstallRoute, installRoutes } from './_hand-steps';

/** An object the clean-up deletes by kind and name, because its file also holds objects the library did not make. */
export interface CleanupObject {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** What the clean-up deletes of one manifest file: the whole file, or only the library's objects in it. */
export interface CleanupFile {
  readonly file: string;
  /** The library's objects in the file, when it holds others too; undefined when the file is the library's alone. */
  readonly objects?: readonly CleanupObject[];
}

/** What the install notes are written from: the constructs, and where their files are relative to the notes. */
export interface InstallNotesFacts {
  readonly tracing: LightstepTracing;
  readonly bookinfo?: Bookinfo;
  /** Namespaces the notes create (or label) in step 1 and delete (or unlabel) in the clean-up, in creation order. */
  readonly namespaces: readonly MeshNamespace[];
  /** Folder of the manifests to apply, e.g. "manifests". */
  readonly manifestsDir: string;
  /** Folder of the Istio install inputs, e.g. "istio". */
  readonly istioDir: string;
  /** What the clean-up deletes, per manifest file in apply order; files of the user's alone are not listed. */
  readonly cleanup: readonly CleanupFile[];
  /** Manifest files that hold objects the library did not make, which the clean-up leaves in place. */
  readonly userFiles: readonly string[];
  /**
   * The manifest file that holds the namespaces and nothing else, applied before Istio is installed; without
   * one, step 1 creates and labels each namespace by name.
   */
  readonly namespacesFile?: string;
  /** The verification script beside the notes, e.g. "verify.sh"; without it the notes have no Verify step. */
  readonly verifyScript?: string;
}

/** The README section that explains each problem verify.sh names. */
export const TROUBLESHOOTING_SECTION = 'Verify that spans flow';

const HOW_IT_WORKS: Record<TracingGeneration, string> = {
  [TracingGeneration.NONE]: '',
  [TracingGeneration.HELM_VALUES]: 'Every sidecar (and, from Istio 1.4, every ingress gateway) runs Envoy\'s LightStep tracer and sends spans straight to the satellites. The tracer is configured by Helm values of the `install/kubernetes/helm/istio` chart.',
  [TracingGeneration.MESH_CONFIG]: 'Every sidecar and the ingress gateway runs Envoy\'s LightStep tracer and sends spans straight to the satellites. The tracer is configured by mesh config in an IstioOperator or in istiod\'s Helm values.',
  [TracingGeneration.ZIPKIN]: 'Every sidecar and gateway runs Envoy\'s Zipkin tracer (the proxies of Istio 1.15.0-1.16.0 have neither the LightStep nor the OpenTelemetry tracer) and sends spans to the `zipkin` receiver of the collector in the cluster, which exports them to LightStep over OTLP with the access token from a Secret. The Zipkin address and sampling are mesh config in the install inputs.',
  [TracingGeneration.OPENTELEMETRY]: 'Every sidecar and gateway sends OpenTelemetry spans to the collector in the cluster, which exports them to LightStep over OTLP with the access token from a Secret. The mesh learns of the collector through an extension provider in mesh config, and a Telemetry resource turns it on mesh-wide.',
};

/** How spans are made in ambient mode, said instead of the sidecar generation's first sentence. */
const HOW_AMBIENT_WORKS = 'The mesh runs Istio\'s ambient data plane: no sidecars; ztunnel on every node carries the traffic of the pods and makes no spans, ' +
  'and the waypoint proxy of the application namespace and the ingress gateway, both Envoy, send OpenTelemetry spans to the collector in the cluster, ' +
  'which exports them to LightStep over OTLP with the access token from a Secret. The mesh learns of the collector through an extension provider in ' +
  'mesh config, and a Telemetry resource turns it on mesh-wide, waypoints included.';
/** How the CA reaches the pods on the native tracer generations: said only when the manifests create the lightstep.cacert Secrets. */
const CA_DELIVERY: Partial<Record<TracingGeneration, string>> = {
  [TracingGeneration.HELM_VALUES]: 'The CA certificate reaches each pod through the `lightstep.cacert` Secret of its namespace.',
  [TracingGeneration.MESH_CONFIG]: 'The CA certificate reaches each pod through the `lightstep.cacert` Secret of its namespace (an overlay or a `kubectl patch` mounts it into the ingress gateway).',
};

const ROUTE_TITLES: Record<InstallRoute, string> = {
  [InstallRoute.ISTIOCTL]: 'With istioctl',
  [InstallRoute.HELM]: 'With Helm',
};

/** The Helm release names and repository charts of ambient mode's node components. */
const AMBIENT_CHARTS: Record<string, { readonly release: string; readonly chart: string }> = {
  [IstioInstallTool.HELM_CNI_CHART]: { release: 'istio-cni', chart: 'istio/cni' },
  [IstioInstallTool.HELM_ZTUNNEL_CHART]: { release: 'ztunnel', chart: 'istio/ztunnel' },
};

/** The two gateway templates of the 1.1-1.5 istio chart that Helm 3 cannot render as released. */
const BROKEN_GATEWAY_TEMPLATES = ['role.yaml', 'rolebindings.yaml'];

/** Writes markdown, one step, section and shell block at a time. */
class NotesWriter {
  private readonly lines: string[] = [];

  public say(...text: string[]): void {
    this.lines.push(...text);
  }

  public shell(...commands: string[]): void {
    this.say('```sh', ...commands, '```', '');
  }

  public toString(): string {
    return `${this.lines.join('\n').trimEnd()}\n`;
  }
}

/** The install note: every command for the targeted release, in order, with the token taken from the shell. */
export function renderInstallNotes(facts: InstallNotesFacts): string {
  const { tracing, bookinfo } = facts;
  const release = tracing.release;
  const istioNamespace = tracing.istioNamespace;
  const routes = installRoutes(release);
  const ambient = tracing.dataplaneMode === DataplaneMode.AMBIENT;
  const steps = handSteps(release, { caCertificate: tracing.secrets.length > 0 && !tracing.collector, ingress: bookinfo?.ingress, dataplaneMode: tracing.dataplaneMode });
  const input = (tool: IstioInstallTool) => tracing.installInputs.find((candidate) => candidate.tool === tool);
  const token = tracing.accessToken;
  const tokenSecret = token.source === AccessTokenSource.SECRET ? { name: token.secretName!, key: token.secretKey! } : undefined;
  // Where the user's token Secret lives: where they said, else where the collector or the install command reads it.
  const userSecretNamespace = tokenSecret ? (token.secretNamespace ?? tracing.collector?.namespace ?? istioNamespace) : undefined;
  const gateway = tracing.ingressGatewayName;
  const installsIstioGateway = bookinfo?.ingress === BookinfoIngressKind.ISTIO_GATEWAY;
  const notes = new NotesWriter();
  const { say } = { say: notes.say.bind(notes) };
  const shell = notes.shell.bind(notes);

  say(`# Install notes: LightStep tracing on Istio ${release}`, '');
  say('Generated by cdk8s-istio-lightstep; do not edit (synthesize again instead). Run every command from the folder',
    'that holds this file; files of the Istio release are named through `$ISTIO_DIR`, set below.', '');
  const caDelivery = tracing.collector === undefined && tracing.secrets.length > 0 ? CA_DELIVERY[tracing.generation] : undefined;
  say(ambient ? HOW_AMBIENT_WORKS : caDelivery === undefined ? HOW_IT_WORKS[tracing.generation] : `${HOW_IT_WORKS[tracing.generation]} ${caDelivery}`, '');
  say(`- Spans go to \`${tracing.address}\` (${tracing.secure ? 'TLS' : 'plaintext'}), sampled at ${tracing.sampling}%.`);
  say(`- Manifests to apply: \`${facts.manifestsDir}/\`. Istio install inputs (not objects to apply): \`${facts.istioDir}/\`.`);
  if (token.source === AccessTokenSource.ENVIRONMENT) {
    say(`- The access token is read from \`$${token.envName}\` when the commands below run; it is in no generated file.`, '');
    shell(`export ${token.envName}='<your LightStep access token>'   # in your shell only; never commit it`);
  } else if (tokenSecret) {
    const secret = `\`${tokenSecret.name}\` (key \`${tokenSecret.key}\`)`;
    say(tracing.collector
      ? `- The access token is read from your Secret ${secret} in the collector namespace \`${tracing.collector.namespace}\`: the collector mounts it from there. Create it after step 1 (which creates that namespace) and before step 3, e.g. \`kubectl -n ${tracing.collector.namespace} create secret generic ${tokenSecret.name} --from-literal=${tokenSecret.key}="$LIGHTSTEP_ACCESS_TOKEN"\`. It is in no generated file.`
      : `- The access token is read from your Secret ${secret} in ${userSecretNamespace === istioNamespace ? 'the Istio namespace' : 'namespace'} \`${userSecretNamespace}\` when the install command of step 2 runs, and passed to Istio there. Create it after step 1 and before step 2, e.g. \`kubectl -n ${userSecretNamespace} create secret generic ${tokenSecret.name} --from-literal=${tokenSecret.key}="$LIGHTSTEP_ACCESS_TOKEN"\`. It is in no generated file.`, '');
  } else {
    say('- WARNING: the access token is written into the generated files (allowLiteralAccessToken). Do not commit them.', '');
  }

  say(`Download and unpack the Istio ${release} release, then point \`ISTIO_DIR\` at its folder (edit the path):`, '');
  shell(`export ISTIO_DIR="$HOME/istio-${release.patch === undefined ? `${release}.x` : release}"   # the folder that holds bin/istioctl of Istio ${release}`);

  say('## 1. Create the namespaces', '');
  const namespaceCommands = [`kubectl create namespace ${istioNamespace} --dry-run=client -o yaml | kubectl apply -f -`];
  if (facts.namespacesFile !== undefined) {
    namespaceCommands.push(`kubectl apply -f ${facts.manifestsDir}/${facts.namespacesFile}`);
  } else {
    // The manifest that holds them holds workloads too, which must wait for Istio: create and label them by name.
    for (const namespace of facts.namespaces) {
      const labels = Object.entries<string>(namespace.apiObject.toJson().metadata?.labels ?? {}).map(([key, value]) => `${key}=${value}`);
      namespaceCommands.push(`kubectl create namespace ${namespace.name} --dry-run=client -o yaml | kubectl apply -f -`);
      if (labels.length > 0) namespaceCommands.push(`kubectl label namespace ${namespace.name} --overwrite ${labels.join(' ')}`);
    }
  }
  shell(...namespaceCommands);
  if (facts.namespaces.length > 0) {
    const described = facts.namespaces.map((ns) => `\`${ns.name}\` (${namespaceDescription(ns)})`);
    say(`This creates or labels ${described.join(', ')}.`, '');
  }

  say(`## 2. Install Istio ${release} with LightStep tracing`, '');
  if (tracing.tokenSetupCommands.length) {
    say('Create the access token Secret the collector reads:', '');
    shell(...tracing.tokenSetupCommands);
  }
  if (routes.length > 1) say('Install Istio in one of two ways: paste the commands of one section below, not both.', '');
  for (const [index, route] of routes.entries()) {
    if (routes.length > 1) say(`### 2${String.fromCharCode(97 + index)}. ${ROUTE_TITLES[route]}`, '');
    if (route === InstallRoute.ISTIOCTL) {
      const istioctl = input(IstioInstallTool.ISTIOCTL)!;
      shell(`"$ISTIO_DIR/bin/istioctl" install -y -f ${relativeInput(facts, istioctl)} ${continued(istioctl.installArgs)}`.trimEnd(),
        ...cniReady(tracing));
      if (hasHandStep(steps, HandStep.PATCH_GATEWAY_CA, InstallRoute.ISTIOCTL)) {
        say(`The istioctl of Istio ${release} cannot append to a list in an overlay, so mount the CA Secret into the ingress gateway by hand`,
          '(the patch is not part of the IstioOperator: after reinstalling or upgrading the gateway, `./verify.sh` says whether it still mounts the Secret):', '');
        shell(...tracing.gatewayPatchCommands);
      }
    } else if (release.helmChartSource === HelmChartSource.ARCHIVE_ISTIO_CHART) {
      helmTemplateRoute(notes, facts, steps);
    } else {
      helmInstallRoute(notes, facts, steps, installsIstioGateway);
    }
  }

  say('## 3. Apply the manifests', '');
  const applyCommands: string[] = [];
  if (hasHandStep(steps, HandStep.GATEWAY_API_CRDS) && bookinfo?.gatewayApiCrds) {
    const crds = bookinfo.gatewayApiCrds;
    applyCommands.push(`# The Gateway API CRDs, if your cluster does not have them yet: ${crds.version}, ${crds.channel} channel (${crds.reason})`,
      `${crds.presentCheck} || \\`, `  kubectl kustomize "${crds.kustomizeUrl}" | kubectl apply -f -`);
  }
  applyCommands.push(`kubectl apply -f ${facts.manifestsDir}/`);
  if (hasHandStep(steps, HandStep.RESTART_GATEWAY)) {
    applyCommands.push('# the ingress gateway started before its lightstep.cacert Secret existed: restart it to mount the certificate',
      `kubectl -n ${istioNamespace} rollout restart deployment/${gateway}`);
  }
  if (bookinfo) applyCommands.push(`kubectl -n ${bookinfo.namespace} wait --for=condition=available deployment --all --timeout=300s`);
  if (bookinfo?.waypoint) {
    // istiod binds Services to a waypoint only once the waypoint's Gateway has an address (its Deployment is ready).
    const waypoint = `gateways.gateway.networking.k8s.io ${bookinfo.waypoint.name}`;
    applyCommands.push(`# wait until the waypoint (Gateway ${bookinfo.waypoint.name}) has an address: only then does istiod send the Services' traffic through it`,
      `for _ in $(seq 1 60); do [ -n "$(kubectl -n ${bookinfo.namespace} get ${waypoint} -o jsonpath='{.status.addresses[0].value}')" ] && break; sleep 5; done`);
  }
  if (tracing.collector) applyCommands.push(`kubectl -n ${tracing.collector.namespace} wait --for=condition=available deployment --all --timeout=300s`);
  shell(...applyCommands);

  if (bookinfo) {
    say('## 4. Find GATEWAY_URL', '');
    if (bookinfo.ingress === BookinfoIngressKind.ISTIO_GATEWAY) {
      shell(
        `INGRESS_HOST=$(kubectl -n ${istioNamespace} get service ${gateway} -o jsonpath='{.status.loadBalancer.ingress[0].ip}')`,
        `INGRESS_PORT=$(kubectl -n ${istioNamespace} get service ${gateway} -o jsonpath='{.spec.ports[?(@.name=="http2")].port}')`,
        'export GATEWAY_URL="$INGRESS_HOST:$INGRESS_PORT"',
      );
      say('Without an external load balancer, use the node port instead: `.spec.ports[?(@.name=="http2")].nodePort` and a node\'s address.', '');
    } else if (bookinfo.ingress === BookinfoIngressKind.GATEWAY_API) {
      const gatewayResource = `gateways.gateway.networking.k8s.io ${bookinfo.gatewayName}`;
      shell(
        // The name of the Gateway's ready condition changed across Gateway API versions; an address is what counts.
        '# wait until the Gateway has an address',
        `for _ in $(seq 1 60); do [ -n "$(kubectl -n ${bookinfo.namespace} get ${gatewayResource} -o jsonpath='{.status.addresses[0].value}')" ] && break; sleep 5; done`,
        `INGRESS_HOST=$(kubectl -n ${bookinfo.namespace} get ${gatewayResource} -o jsonpath='{.status.addresses[0].value}')`,
        `INGRESS_PORT=$(kubectl -n ${bookinfo.namespace} get ${gatewayResource} -o jsonpath='{.spec.listeners[?(@.name=="http")].port}')`,
        'export GATEWAY_URL="$INGRESS_HOST:$INGRESS_PORT"',
      );
    } else {
      say('No ingress was generated: forward a local port to the product page (leave it running in another terminal).', '');
      shell(`kubectl -n ${bookinfo.namespace} port-forward service/${bookinfo.productPageService} ${bookinfo.productPagePort}:${bookinfo.productPagePort}`);
      shell(`export GATEWAY_URL=localhost:${bookinfo.productPagePort}`);
    }

    say('## 5. Send traffic', '');
    shell(
      `curl -s "http://$GATEWAY_URL${bookinfo.productPagePath}" | grep -o "<title>.*</title>"   # <title>Simple Bookstore App</title>`,
      `for _ in $(seq 1 100); do curl -s -o /dev/null "http://$GATEWAY_URL${bookinfo.productPagePath}"; done`,
    );
    if (bookinfo.waypoint) {
      say(`Then open LightStep: each request yields a span of the ingress gateway (service \`${bookinfo.gatewayName}-istio.${bookinfo.namespace}\`) and a span of the waypoint for each call between the services it serves ` +
        `(service ${waypointServiceName(facts)}, operation e.g. \`reviews.${bookinfo.namespace}.svc.cluster.local:${bookinfo.productPagePort}/*\`); the pods themselves make none.`, '');
    } else {
      say(`Then open LightStep: each request yields a client and a server span per call, e.g. \`${bookinfo.productPageService}.${bookinfo.namespace}.svc.cluster.local:${bookinfo.productPagePort}/*\`.`, '');
    }
  }

  const verifies = bookinfo !== undefined && facts.verifyScript !== undefined;
  if (verifies) {
    say('## 6. Verify that spans reach LightStep', '');
    shell(`./${facts.verifyScript}`);
    const checks = ambient
      ? 'ztunnel and the Istio CNI node agent, istiod\'s ambient mode, the collector and its token Secret, the mesh config and the Telemetry resource, ' +
        `the namespace's data-plane label and the capture of every Bookinfo pod, the waypoint and the Services it serves, the traffic, and the collector's receiver and exporter counters`
      : tracing.collector
      ? `the collector, its token Secret${tracing.collector.caCertSecret ? ' and its `lightstep.cacert` Secret' : ''}, the mesh config${tracing.providerName ? ' and the Telemetry resource' : ''}, the traffic, and the collector's receiver and exporter counters`
      : `${tracing.secrets.length > 0 ? 'the `lightstep.cacert` Secrets and their mounts, ' : ''}the mesh config, the traffic, and the \`tracing.lightstep.spans_sent\` counter of productpage's sidecar`;
    say('It only reads the cluster (`kubectl get`, and `kubectl exec` of read-only commands) and sends requests to productpage.',
      `For each check it prints \`ok\` or \`PROBLEM\` and the fix: ${checks}.`,
      'It exits 0 only when spans left the mesh and every check passed. Each problem it names is explained in the troubleshooting',
      `table of the cdk8s-istio-lightstep README (section "${TROUBLESHOOTING_SECTION}").`, '');
  }

  cleanUp(notes, facts, verifies ? undefined : bookinfo ? 6 : 4, routes, userSecretNamespace, tokenSecret?.name, installsIstioGateway);
  return notes.toString();
}

/** Step 2 of 1.1-1.5: the archive's istio chart, rendered by `helm template`, after its CRDs. */
function helmTemplateRoute(notes: NotesWriter, facts: InstallNotesFacts, steps: ReturnType<typeof handSteps>): void {
  const { tracing } = facts;
  const values = tracing.installInputs.find((candidate) => candidate.tool === IstioInstallTool.HELM_ISTIO_CHART)!;
  const chart = '"$ISTIO_DIR/install/kubernetes/helm/istio"';
  if (hasHandStep(steps, HandStep.FIX_GATEWAY_TEMPLATES)) {
    notes.say(`Helm 3 cannot render the gateways chart of Istio ${tracing.release} as released ("can't give argument to non-function $spec.sds"):`,
      'apply upstream\'s fix of Istio 1.4.8 and 1.5.1 (istio/istio pull request 22295) to its two templates. It only changes files that',
      'still hold the released condition, so running it twice is harmless.', '');
    notes.shell(`for template in ${BROKEN_GATEWAY_TEMPLATES.map((file) => `"$ISTIO_DIR/install/kubernetes/helm/istio/charts/gateways/templates/${file}"`).join(' ')}; do`,
      `  perl -0pi -e 'if (s/\\{\\{- if \\(\\$spec\\.sds\\) and \\(eq \\$spec\\.sds\\.enabled true\\) \\}\\}/{{- if \\$spec.sds }}\\n{{- if eq \\$spec.sds.enabled true }}/) { s/\\n---\\n/\\n---\\n{{- end }}\\n/ }' "$template"`,
      'done');
  }
  notes.shell(
    '# Istio\'s CRDs first (from the istio-init chart), then the control plane rendered with the LightStep values',
    'for crd in "$ISTIO_DIR"/install/kubernetes/helm/istio-init/files/crd*yaml; do kubectl apply -f "$crd"; done',
    'kubectl wait --for=condition=established --timeout=120s crd --all',
    `helm template istio ${chart} --namespace ${tracing.istioNamespace} \\`,
    `  -f ${relativeInput(facts, values)} ${continued(values.installArgs)}| kubectl apply -f -`,
  );
}

/** Step 2 with Helm, 1.8 and later: base, istiod with the generated values, and the ingress gateway when Bookinfo uses it. */
function helmInstallRoute(notes: NotesWriter, facts: InstallNotesFacts, steps: ReturnType<typeof handSteps>, installsGateway: boolean): void {
  const { tracing } = facts;
  const release = tracing.release;
  const namespace = tracing.istioNamespace;
  const istiod = tracing.installInputs.find((candidate) => candidate.tool === IstioInstallTool.HELM_ISTIOD_CHART)!;
  const gatewayValues = tracing.installInputs.find((candidate) => candidate.tool === IstioInstallTool.HELM_GATEWAY_CHART);
  const baseValues = tracing.installInputs.find((candidate) => candidate.tool === IstioInstallTool.HELM_BASE_CHART);
  const charts = helmCharts(release.helmChartSource);
  const version = release.helmChartSource === HelmChartSource.REPOSITORY ? ` --version ${helmVersion(release.toString())}` : '';
  const cni = tracing.istioCni;
  const commands = [
    ...(release.helmChartSource === HelmChartSource.REPOSITORY ? ['helm repo add istio https://istio-release.storage.googleapis.com/charts', 'helm repo update'] : []),
    `helm install istio-base ${charts.base} -n ${namespace}${version}${baseValues ? ` -f ${relativeInput(facts, baseValues)}` : ''}`,
    // The node agent runs before istiod, whose injector then leaves istio-init out of every pod.
    ...(cni ? [`helm install ${cni.helmReleaseName} ${cni.helmChart} -n ${cni.namespace}${version}`, ...cniReady(tracing)] : []),
    `helm install istiod ${charts.istiod} -n ${namespace}${version} \\`,
    `  -f ${relativeInput(facts, istiod)} ${continued(istiod.installArgs)}`.trimEnd(),
  ];
  for (const values of [IstioInstallTool.HELM_CNI_CHART, IstioInstallTool.HELM_ZTUNNEL_CHART].map((tool) => tracing.installInputs.find((candidate) => candidate.tool === tool))) {
    // Ambient mode: the node agent and ztunnel, after istiod, as upstream's ambient Helm install orders them.
    if (values) commands.push(`helm install ${AMBIENT_CHARTS[values.tool].release} ${AMBIENT_CHARTS[values.tool].chart} -n ${namespace}${version} -f ${relativeInput(facts, values)}`);
  }
  if (installsGateway) {
    // The istiod chart deploys no ingress gateway; named this way, the gateway chart labels its pods
    // istio: ingressgateway and creates the Service the GATEWAY_URL commands read.
    commands.push(`helm install ${tracing.ingressGatewayName} ${charts.gateway} -n ${namespace}${version}${gatewayValues ? ` -f ${relativeInput(facts, gatewayValues)}` : ''}`);
    if (hasHandStep(steps, HandStep.PATCH_GATEWAY_CA, InstallRoute.HELM)) {
      // The gateway chart has no overlay: the CA volume is patched in, outside the chart's manifest.
      commands.push('# the gateway chart mounts no lightstep.cacert: patch it in (not part of the chart: after an upgrade of the gateway, ./verify.sh says whether the mount is still there)', ...tracing.helmGatewayPatchCommands);
    }
  }
  notes.shell(...commands);
}

/** The clean-up: only what these notes and the library made, in reverse order, then Istio. */
function cleanUp(notes: NotesWriter, facts: InstallNotesFacts, number: number | undefined, routes: InstallRoute[],
  userSecretNamespace: string | undefined, userSecretName: string | undefined, installsGateway: boolean): void {
  const { tracing } = facts;
  const istioNamespace = tracing.istioNamespace;
  notes.say(number === undefined ? '## Clean up, when you are done' : `## ${number}. Clean up`, '');
  const keep = facts.userFiles.length
    ? ` Your own objects in ${facts.userFiles.map((file) => `\`${facts.manifestsDir}/${file}\``).join(', ')} and their namespaces are left as they are.`
    : '';
  notes.say(`This deletes only what these notes and cdk8s-istio-lightstep made, in the reverse order.${keep}`, '');
  const commands: string[] = [];
  for (const entry of [...facts.cleanup].reverse()) {
    if (entry.objects === undefined) {
      if (entry.file !== facts.namespacesFile) commands.push(`kubectl delete --ignore-not-found -f ${facts.manifestsDir}/${entry.file}`);
      continue;
    }
    const byNamespace = new Map<string, string[]>();
    for (const object of [...entry.objects].reverse()) {
      if (object.kind === 'Namespace') continue;
      const key = object.namespace ?? '';
      byNamespace.set(key, [...(byNamespace.get(key) ?? []), `${object.kind.toLowerCase()}/${object.name}`]);
    }
    for (const [namespace, objects] of byNamespace) {
      commands.push(`kubectl delete --ignore-not-found${namespace ? ` -n ${namespace}` : ''} ${objects.join(' ')}   # from ${facts.manifestsDir}/${entry.file}`);
    }
  }
  // The namespace that holds a token Secret the user made is kept, and says so; one that holds only what
  // these notes created is deleted, and says what goes with it.
  const keepNamespace = (namespace: string) => `# ${namespace} is kept: it holds your Secret ${userSecretName}. Delete it yourself when you no longer need the token: kubectl delete namespace ${namespace}`;
  for (const namespace of facts.namespaces) {
    if (namespace.name === 'default') {
      const ambientLabels = namespace.dataplaneMode === DataplaneMode.AMBIENT ? ` ${MeshNamespace.DATAPLANE_MODE_LABEL}- ${MeshNamespace.USE_WAYPOINT_LABEL}-` : '';
      commands.push(`kubectl label namespace default istio-injection- istio.io/rev-${ambientLabels} pod-security.kubernetes.io/enforce-   # never delete the default namespace`);
    } else if (namespace.name === userSecretNamespace) {
      commands.push(keepNamespace(namespace.name));
    } else {
      const tokenSecretHere = tracing.collector?.namespace === namespace.name && tracing.tokenSetupCommands.length > 0;
      commands.push(`kubectl delete namespace ${namespace.name} --ignore-not-found${tokenSecretHere ? '   # with it the access token Secret that step 2 created' : ''}`);
    }
  }
  notes.shell(...commands);
  notes.say('Then uninstall Istio the way you installed it:', '');
  for (const route of routes) {
    if (routes.length > 1) notes.say(`### ${ROUTE_TITLES[route]}`, '');
    notes.shell(...uninstallCommands(facts, route, installsGateway),
      istioNamespace === userSecretNamespace ? keepNamespace(istioNamespace) : `kubectl delete namespace ${istioNamespace} --ignore-not-found`);
  }
}

function uninstallCommands(facts: InstallNotesFacts, route: InstallRoute, installsGateway: boolean): string[] {
  const { tracing } = facts;
  const release = tracing.release;
  const namespace = tracing.istioNamespace;
  if (route === InstallRoute.ISTIOCTL) {
    const istioctl = tracing.installInputs.find((candidate) => candidate.tool === IstioInstallTool.ISTIOCTL)!;
    return [release.hasIstioctlUninstall
      ? `"$ISTIO_DIR/bin/istioctl" uninstall -y --purge${tracing.revision ? ` --revision ${tracing.revision}` : ''}`
      : `"$ISTIO_DIR/bin/istioctl" manifest generate -f ${relativeInput(facts, istioctl)} | kubectl delete --ignore-not-found -f -`];
  }
  if (release.helmChartSource === HelmChartSource.ARCHIVE_ISTIO_CHART) {
    const values = tracing.installInputs.find((candidate) => candidate.tool === IstioInstallTool.HELM_ISTIO_CHART)!;
    return [`helm template istio "$ISTIO_DIR/install/kubernetes/helm/istio" --namespace ${namespace} -f ${relativeInput(facts, values)} | kubectl delete --ignore-not-found -f -`];
  }
  const ambientReleases = tracing.installInputs.filter((input) => AMBIENT_CHARTS[input.tool] !== undefined).map((input) => AMBIENT_CHARTS[input.tool].release).reverse();
  return [
    `helm uninstall -n ${namespace} ${[...(installsGateway ? [tracing.ingressGatewayName] : []), ...ambientReleases, 'istiod', 'istio-base'].join(' ')}`,
    ...(tracing.istioCni ? [`helm uninstall -n ${tracing.istioCni.namespace} ${tracing.istioCni.helmReleaseName}`] : []),
  ];
}

/** Waits for the Istio CNI node agent, which must run on the nodes before injected pods are created; nothing without it. */
function cniReady(tracing: LightstepTracing): string[] {
  const cni = tracing.istioCni;
  return cni ? [`kubectl -n ${cni.namespace} rollout status daemonset/${cni.daemonSetName} --timeout=300s`] : [];
}

/** The base, istiod and ingress gateway charts: folders of the release archive (1.8-1.11) or Istio's Helm repository (1.12+). */
function helmCharts(source: HelmChartSource): { base: string; istiod: string; gateway: string } {
  return source === HelmChartSource.REPOSITORY
    ? { base: 'istio/base', istiod: 'istio/istiod', gateway: 'istio/gateway' }
    : {
      base: '"$ISTIO_DIR/manifests/charts/base"',
      istiod: '"$ISTIO_DIR/manifests/charts/istio-control/istio-discovery"',
      gateway: '"$ISTIO_DIR/manifests/charts/gateways/istio-ingress"',
    };
}

/** What step 1 says of a namespace it creates: how its pods join the mesh. */
function namespaceDescription(namespace: MeshNamespace): string {
  if (namespace.dataplaneMode === DataplaneMode.AMBIENT) {
    return `ambient data plane${namespace.waypoint ? `, its Services served by the waypoint \`${namespace.waypoint}\`` : ''}`;
  }
  return namespace.sidecarInjection ? 'sidecar injection on' : 'sidecar injection off';
}

/** The service name the waypoint's spans carry in LightStep, as this release names them. */
function waypointServiceName(facts: InstallNotesFacts): string {
  const bookinfo = facts.bookinfo!;
  const waypoint = `\`${bookinfo.waypoint!.name}.${bookinfo.namespace}\``;
  return facts.tracing.release.waypointSpansNamedAfterDestination
    ? `of the Service called, e.g. \`reviews.${bookinfo.namespace}.svc.cluster.local\` (Istio 1.28 and 1.29 name a waypoint's spans so; other releases ${waypoint})`
    : waypoint;
}

function relativeInput(facts: InstallNotesFacts, input: IstioInstallInput): string {
  return `${facts.istioDir}/${input.fileName}`;
}

/** Extra arguments on continuation lines, each ending so that the command goes on. */
function continued(args: readonly string[]): string {
  return args.length === 0 ? '' : `\\\n${args.map((arg) => `  ${arg} `).join('\\\n')}`;
}

/** The Helm chart version of a release: a minor-only release installs the newest patch, so no pin. */
function helmVersion(release: string): string {
  return release.split('.').length === 3 ? release : `'~${release}.0'`;
}
