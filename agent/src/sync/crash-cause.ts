import fs from 'node:fs/promises';

/**
 * Lines that say what went wrong, most telling first: a Java throwable with its message
 * (`java.io.IOException: No snapshot found…`) or an errno text; then a logged ERROR/FATAL line;
 * ZooKeeper's closing "Exiting JVM with code 1" is an ERROR line that names no cause, so it loses.
 */
const SPECIFIC =
  /\b[\w.$]*(Exception|Error):\s|No such file|Permission denied|Address already in use|\b(cannot|Could not)\b/;
const LOGGED = /\b(ERROR|FATAL|SEVERE)\b/;

/** Longest cause shown in a status detail; the full text is in the file it names. */
const MAX_CAUSE = 300;

/**
 * Picks the line that says why a process died from the end of its log: the last line naming the
 * failure specifically, else the last ERROR line, else the last non-empty line. Pure.
 */
export function pickCrashCause(tail: string): string | undefined {
  const lines = tail
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const last = (re: RegExp) => [...lines].reverse().find((l) => re.test(l));
  const hit = last(SPECIFIC) ?? last(LOGGED) ?? lines.at(-1);
  if (hit === undefined) return undefined;
  return hit.length > MAX_CAUSE ? `${hit.slice(0, MAX_CAUSE)}…` : hit;
}

/** The last `bytes` of a file as text ('' when it does not exist). */
export async function readTail(file: string, bytes: number): Promise<string> {
  let fh;
  try {
    fh = await fs.open(file, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const text = buf.toString('utf8');
    // Drop a partial first line when the read started mid-file.
    return start > 0 ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    await fh.close();
  }
}

/**
 * Why an instance crashed, from its log files (the service's own log first, then the captured
 * stdout/stderr): the first file written since `sinceMs` whose tail names a failure wins, so a
 * stale error from an earlier run is not blamed. Returns the line and the file it came from.
 */
export async function findCrashCause(
  files: readonly string[],
  sinceMs: number,
): Promise<{ file: string; line: string } | undefined> {
  let fallback: { file: string; line: string } | undefined;
  for (const file of files) {
    const st = await fs.stat(file).catch(() => undefined);
    if (!st || st.mtimeMs < sinceMs - 1000) continue;
    const tail = await readTail(file, 16 * 1024);
    const line = pickCrashCause(tail);
    if (line === undefined) continue;
    if (SPECIFIC.test(line) || LOGGED.test(line)) return { file, line };
    fallback ??= { file, line };
  }
  return fallback;
}
