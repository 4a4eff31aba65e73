import fs from 'node:fs/promises';
import { FAILURE_TAIL_BYTES, FAILURE_TAIL_LINES } from '@hactl/shared';

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
 * A line of a log that may say why a process died: `names` when it names a failure (an exception,
 * an errno text, an ERROR line), false when it is only the log's last line (a process killed by a
 * signal logs nothing: its last line is whatever it was doing).
 */
export interface CrashCause {
  file: string;
  line: string;
  names: boolean;
}

/**
 * Why an instance crashed, from its log files (the service's own log first, then the captured
 * stdout/stderr): the first file written since `sinceMs` whose tail names a failure wins, so a
 * stale error from an earlier run is not blamed; else the last line of the first file written
 * since then, with `names` false.
 */
export async function findCrashCause(
  files: readonly string[],
  sinceMs: number,
): Promise<CrashCause | undefined> {
  let fallback: CrashCause | undefined;
  for (const file of files) {
    const st = await fs.stat(file).catch(() => undefined);
    if (!st || st.mtimeMs < sinceMs - 1000) continue;
    const tail = await readTail(file, 16 * 1024);
    const line = pickCrashCause(tail);
    if (line === undefined) continue;
    if (SPECIFIC.test(line) || LOGGED.test(line)) return { file, line, names: true };
    fallback ??= { file, line, names: false };
  }
  return fallback;
}

/**
 * The status detail's words for why a process exited: the log line that names the failure; for a
 * process ended by a signal whose log names none, what the signal says (a SIGKILL leaves no log
 * line and comes from outside: an operator's kill, or the kernel's OOM killer, which sends only
 * SIGKILL; SIGABRT, SIGSEGV and SIGBUS are the process's own crash, a JVM's fatal error writing
 * hs_err_pid<pid>.log in its working directory); else the log's last line, called that and not a
 * cause. Pure.
 */
export function describeCrashCause(cause: CrashCause | undefined, signal: string | null | undefined): string {
  if (cause?.names) return `cause (${cause.file}): ${cause.line}`;
  const killed = !signal
    ? ''
    : signal === 'SIGKILL'
      ? "killed by SIGKILL, which the process could not log: a kill from outside hactl, or the kernel's OOM killer"
      : ['SIGABRT', 'SIGSEGV', 'SIGBUS'].includes(signal)
        ? `crashed on ${signal} (a JVM's fatal error leaves hs_err_pid<pid>.log in its working directory)`
        : `ended by ${signal}`;
  const last = cause ? `last log line (${cause.file}): ${cause.line}` : '';
  return [killed, last].filter(Boolean).join('; ');
}

/**
 * The last lines of `text`, oldest first, Java stack frames folded (foldStackFrames): at most
 * `maxLines`, and at most `maxBytes` UTF-8 bytes joined with newlines. Blank lines at either end are dropped; when the last line alone is longer than
 * `maxBytes`, its end is kept behind a leading `…` (the end of a Java exception line says most).
 * Pure.
 */
export function tailLines(
  text: string,
  maxLines: number = FAILURE_TAIL_LINES,
  maxBytes: number = FAILURE_TAIL_BYTES,
): string[] {
  const lines = foldStackFrames(text.replace(/\r\n/g, '\n').split('\n'));
  while (lines.length && lines.at(-1)!.trim() === '') lines.pop();
  const out: string[] = [];
  let bytes = 0;
  for (let i = lines.length - 1; i >= 0 && out.length < maxLines; i--) {
    const line = lines[i]!.replace(/\r/g, '');
    const cost = Buffer.byteLength(line) + (out.length ? 1 : 0);
    if (bytes + cost <= maxBytes) {
      out.unshift(line);
      bytes += cost;
      continue;
    }
    if (out.length === 0) out.unshift(cutToBytes(line, maxBytes));
    break;
  }
  while (out.length && out[0]!.trim() === '') out.shift();
  return out;
}

/** A Java stack frame line (`\tat pkg.Class.method(File.java:12)`) or a trace's `... 5 more`. */
const FRAME_RE = /^\s+(at \S|\.\.\. \d+ more)/;

/**
 * Each run of Java stack frames folded into one `    … N stack frames` line (spaces: a tab is
 * escaped where the lines are shown): a JVM that dies at start
 * ends its log with a long trace, and its last 20 lines would be frames without the exception's
 * message. Pure.
 */
function foldStackFrames(lines: readonly string[]): string[] {
  const out: string[] = [];
  let frames = 0;
  const flush = () => {
    if (frames) out.push(`    … ${frames} stack frame${frames === 1 ? '' : 's'}`);
    frames = 0;
  };
  for (const line of lines) {
    if (FRAME_RE.test(line)) frames++;
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out;
}

/** The end of `line` behind `…`, within `maxBytes` UTF-8 bytes, never splitting a character. */
function cutToBytes(line: string, maxBytes: number): string {
  const chars = [...line];
  let kept = '';
  let bytes = Buffer.byteLength('…');
  for (let i = chars.length - 1; i >= 0; i--) {
    const b = Buffer.byteLength(chars[i]!);
    if (bytes + b > maxBytes) break;
    kept = chars[i]! + kept;
    bytes += b;
  }
  return `…${kept}`;
}

/**
 * The end of the log that says why an instance stopped: `prefer` (the file its crash cause came
 * from) when given, else the first of `files` written since `sinceMs` with anything in it (the
 * service's own log comes first, then the captured stdout/stderr, where a JVM that never got to
 * logging writes). Bounded by tailLines; undefined when no file qualifies.
 */
export async function readFailureLog(
  files: readonly string[],
  sinceMs: number,
  prefer?: string,
): Promise<{ file: string; lines: string[] } | undefined> {
  for (const file of prefer ? [prefer] : files) {
    const st = await fs.stat(file).catch(() => undefined);
    if (!st || (!prefer && st.mtimeMs < sinceMs - 1000)) continue;
    const lines = tailLines(await readTail(file, 4 * FAILURE_TAIL_BYTES));
    if (lines.length) return { file, lines };
  }
  return undefined;
}
