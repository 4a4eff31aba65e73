/**
 * Host labels (rack, zone, tier: `--label rack=r1`), one rule for the agent's flags, the agent's
 * hello, `hactl install-command` and the install command the control plane makes. Pure.
 *
 * A key is 1-63 of [A-Za-z0-9._/-], a value 0-63 of [A-Za-z0-9._-]. `__proto__` fits that but is
 * refused: set on a plain object it changes nothing, so `--label __proto__=x` vanished from the
 * agent's labels, and a hello that carried it was accepted with it.
 */
export const LABEL_RULE = 'key [A-Za-z0-9._/-]{1,63} (not __proto__), value [A-Za-z0-9._-]{0,63}';

/** Why `key=value` is not a host label (LABEL_RULE), or undefined when it is one. */
export function labelProblem(key: string, value: string): string | undefined {
  if (!/^[A-Za-z0-9._/-]{1,63}$/.test(key) || !/^[A-Za-z0-9._-]{0,63}$/.test(value))
    return `${JSON.stringify(`${key}=${value}`)} is not a label: ${LABEL_RULE}`;
  if (key === '__proto__') return `the label key __proto__ is reserved (a JavaScript object cannot hold it)`;
  return undefined;
}

/** A `--label KEY=VALUE` argument: the label, or why it is not one. */
export function parseLabelArg(text: string): { key: string; value: string } | { problem: string } {
  const eq = text.indexOf('=');
  if (eq < 0) return { problem: `${JSON.stringify(text)} is not KEY=VALUE` };
  const key = text.slice(0, eq);
  const value = text.slice(eq + 1);
  const problem = labelProblem(key, value);
  return problem ? { problem } : { key, value };
}
