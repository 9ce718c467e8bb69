/** Label selectors (metav1.LabelSelector) as the API server evaluates them: matchLabels and matchExpressions. */
export function selects(selector: Record<string, any> | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  const byLabels = Object.entries<string>(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every((e: any) => {
    switch (e.operator) {
      case 'In': return e.values.includes(labels[e.key]);
      case 'NotIn': return !(e.key in labels) || !e.values.includes(labels[e.key]);
      case 'Exists': return e.key in labels;
      case 'DoesNotExist': return !(e.key in labels);
      default: throw new Error(`unknown selector operator ${e.operator}`);
    }
  });
  return byLabels && byExpressions;
}
