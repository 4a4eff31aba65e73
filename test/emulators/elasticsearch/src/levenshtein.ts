/**
 * Lucene's `LevenshteinDistance.getDistance`: 1 - edits / max(length). ES suggests known setting
 * keys whose score is above 0.7 in its "unknown setting [x] did you mean [y]?" message
 * (AbstractScopedSettings.validate). Pure.
 */
export function levenshteinSimilarity(target: string, other: string): number {
  const sa = [...target];
  const oa = [...other];
  const n = sa.length;
  const m = oa.length;
  if (n === 0 || m === 0) return n === m ? 1 : 0;
  let p = new Array<number>(n + 1);
  let d = new Array<number>(n + 1);
  for (let i = 0; i <= n; i++) p[i] = i;
  for (let j = 1; j <= m; j++) {
    const tj = oa[j - 1];
    d[0] = j;
    for (let i = 1; i <= n; i++) {
      const cost = sa[i - 1] === tj ? 0 : 1;
      d[i] = Math.min(Math.min(d[i - 1]! + 1, p[i]! + 1), p[i - 1]! + cost);
    }
    const t = p;
    p = d;
    d = t;
  }
  return 1 - p[n]! / Math.max(m, n);
}
