/**
 * A small line diff (longest common subsequence) for previews: `-` removed, `+` added, ` ` kept.
 * Inputs are config files and specs of a few hundred lines, so O(n·m) is fine.
 */
export function diffLines(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(` ${a[i]}`);
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! > lcs[i + 1]![j]!)) out.push(`+${b[j++]}`);
    else out.push(`-${a[i++]}`);
  }
  return out;
}

/** Only the changed lines with one line of context, for compact output. */
export function compactDiff(lines: readonly string[]): string[] {
  const keep = new Set<number>();
  lines.forEach((l, i) => {
    if (l[0] !== ' ') for (const k of [i - 1, i, i + 1]) if (k >= 0 && k < lines.length) keep.add(k);
  });
  return lines.filter((_, i) => keep.has(i));
}
