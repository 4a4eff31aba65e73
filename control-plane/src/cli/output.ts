import { formatDetails, type ErrorDetail } from '@hactl/shared/errors';
import { escapeControl } from './text.js';

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Raw response as pretty JSON (2-space) or YAML, with a trailing newline. The YAML library loads only when asked for. */
export async function renderRaw(data: unknown, format: 'json' | 'yaml'): Promise<string> {
  if (format === 'json') return JSON.stringify(data, null, 2) + '\n';
  const { stringify } = await import('yaml');
  return stringify(data);
}

/**
 * The error block printed on stderr: "error: <message>" then one "  <path>: <message>" line per
 * detail that the message does not already say word for word as "<path>: <message>" (a refused
 * stop names its gates in the message for every client, and in the details for scripts). Text may
 * come from the server, so control characters are escaped; a multi-line message (a YAML snippet
 * with its caret) keeps its lines but each continuation is indented, so no text can pose as a
 * line of its own.
 */
export function renderError(message: string, details: readonly ErrorDetail[] = []): string {
  const safe = (s: string) =>
    s
      .split('\n')
      .map((line, i) => (i === 0 || line === '' ? escapeControl(line) : CONTINUATION + escapeControl(line)))
      .join('\n');
  const head = `error: ${safe(message)}\n`;
  const unsaid = details.filter((d) => d.path === '' || !message.includes(`${d.path}: ${d.message}`));
  if (unsaid.length === 0) return head;
  return (
    head +
    formatDetails(unsaid.map((d) => ({ path: escapeControl(d.path), message: safe(d.message) }))) +
    '\n'
  );
}

const CONTINUATION = '      ';
