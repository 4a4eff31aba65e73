import { escapeControl } from './text.js';

/**
 * Interleaved output of several hosts as whole lines with a `host | ` prefix (pure state, no I/O):
 * each host's and stream's partial last line waits for its newline, so two hosts' output never
 * mixes within a line. Control characters are escaped (a remote command must not drive the
 * operator's terminal).
 */
export class PrefixLines {
  private readonly partial = new Map<string, string>();
  private readonly width: number;

  /** `hosts`: every host that may print, to align the prefixes. */
  constructor(hosts: readonly string[]) {
    this.width = Math.max(0, ...hosts.map((h) => h.length));
  }

  /** The complete lines `data` finishes, prefixed, each ending in a newline. */
  feed(host: string, stream: string, data: string): string {
    const key = `${host}\0${stream}`;
    const text = (this.partial.get(key) ?? '') + data;
    const cut = text.lastIndexOf('\n');
    this.partial.set(key, text.slice(cut + 1));
    if (cut < 0) return '';
    return text
      .slice(0, cut)
      .split('\n')
      .map((l) => this.line(host, l))
      .join('');
  }

  /** The host's unfinished lines (its command ended without a final newline). */
  flush(host: string, stream: string): string {
    const key = `${host}\0${stream}`;
    const rest = this.partial.get(key) ?? '';
    this.partial.delete(key);
    return rest === '' ? '' : this.line(host, rest);
  }

  private line(host: string, l: string): string {
    return `${host.padEnd(this.width)} | ${escapeControl(l)}\n`;
  }
}
