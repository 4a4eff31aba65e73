/**
 * The first `max` of `items`, then one `… and N more` line when there are more: what a refusal's
 * reasons, a log line or an event message lists so it stays readable however large the cluster (a
 * rollout over 5,000 members once wrote a 150 KB log line). Pure.
 */
export function capList(items: readonly string[], max: number): string[] {
  return items.length > max ? [...items.slice(0, max), `… and ${items.length - max} more`] : [...items];
}
