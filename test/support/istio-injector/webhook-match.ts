/**
 * Which MutatingWebhookConfiguration webhooks the API server calls for a pod CREATE, as admissionregistration/v1
 * defines it (k8s.io/apiserver/pkg/admission/plugin/webhook/predicates: namespace, object and rules matchers), and
 * Kubernetes label selectors (k8s.io/apimachinery/pkg/apis/meta/v1 LabelSelectorAsSelector, labels.Selector).
 */
import { GoTemplateError } from './go-value';

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: string; readonly values?: readonly string[] }>;
}

/**
 * Whether `labels` match `selector`. A missing or empty selector matches everything. An invalid selector (In/NotIn
 * without values, Exists/DoesNotExist with values, an unknown operator) throws, as LabelSelectorAsSelector fails.
 */
export function selectorMatches(selector: LabelSelector | null | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (!selector) return true;
  const set = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (set[key] !== value) return false;
  }
  for (const expression of selector.matchExpressions ?? []) {
    const values = expression.values ?? [];
    const has = Object.prototype.hasOwnProperty.call(set, expression.key);
    switch (expression.operator) {
      case 'In':
        if (values.length === 0) throw new GoTemplateError(`label selector ${expression.key} In: values must be non-empty`);
        if (!has || !values.includes(set[expression.key])) return false;
        break;
      case 'NotIn':
        if (values.length === 0) throw new GoTemplateError(`label selector ${expression.key} NotIn: values must be non-empty`);
        if (has && values.includes(set[expression.key])) return false;
        break;
      case 'Exists':
        if (values.length > 0) throw new GoTemplateError(`label selector ${expression.key} Exists: values set must be empty`);
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (values.length > 0) throw new GoTemplateError(`label selector ${expression.key} DoesNotExist: values set must be empty`);
        if (has) return false;
        break;
      default:
        throw new GoTemplateError(`label selector operator ${JSON.stringify(expression.operator)} is not a valid pod selector operator`);
    }
  }
  return true;
}

/** Whether the selector selects nothing special: no labels and no expressions (labels.Selector.Empty()). */
export function selectorIsEmpty(selector: LabelSelector | null | undefined): boolean {
  return !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
}

interface RuleWithOperations {
  readonly operations?: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly apiVersions?: readonly string[];
  readonly resources?: readonly string[];
  readonly scope?: string;
}

/** Whether a webhook's rules cover CREATE of core/v1 pods (namespaced). */
export function rulesMatchPodCreate(rules: readonly RuleWithOperations[] | undefined): boolean {
  const covers = (list: readonly string[] | undefined, value: string) => (list ?? []).some((item) => item === '*' || item === value);
  return (rules ?? []).some((rule) => covers(rule.operations, 'CREATE') && covers(rule.apiGroups, '') && covers(rule.apiVersions, 'v1')
    && (covers(rule.resources, 'pods') || (rule.resources ?? []).includes('*/*'))
    && (rule.scope === undefined || rule.scope === '*' || rule.scope === 'Namespaced'));
}

/**
 * The labels the API server matches a namespaceSelector against: the Namespace's labels, with the immutable
 * `kubernetes.io/metadata.name` label that the API server sets on every namespace (Kubernetes 1.21+).
 */
export function namespaceLabels(namespace: { metadata?: { name?: string; labels?: Record<string, string> } }): Record<string, string> {
  const name = namespace.metadata?.name ?? '';
  return { ...(namespace.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': name };
}
