import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * A benchmark's flags through node:util parseArgs, plus `--help`: prints `usage` and exits 0; an
 * unknown or malformed flag prints the problem and `usage` and exits 2 (instead of a stack trace).
 */
export function parseBenchArgs<O extends NonNullable<ParseArgsConfig['options']>>(
  options: O,
  usage: string,
): ReturnType<typeof parseArgs<{ options: O }>>['values'] {
  if (process.argv.slice(2).some((a) => a === '--help' || a === '-h')) {
    console.log(usage);
    process.exit(0);
  }
  try {
    return parseArgs({ options }).values;
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    process.exit(2);
  }
}

/**
 * `text` (a flag's value) as a whole number from `min` to `max`; otherwise prints which flag and
 * what it takes, then `usage`, and exits 2 like any other bad flag.
 */
export function wholeNumberArg(
  flag: string,
  text: string,
  usage: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  // Digits only: Number() would also take "0x10", "1e3" and " 1000".
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    console.error(`${flag}: a whole number ${range} expected, not ${JSON.stringify(text)}\n\n${usage}`);
    process.exit(2);
  }
  return n;
}

/**
 * `text` (a flag's value) as a comma-separated list of whole numbers from `min` to `max`, each
 * listed once (a size measured twice is a typo, and its rows would read as two measurements);
 * otherwise prints which flag and value are wrong, then `usage`, and exits 2.
 */
export function wholeNumberListArg(
  flag: string,
  text: string,
  usage: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number[] {
  const list = text.split(',').map((item) => wholeNumberArg(flag, item, usage, min, max));
  const repeated = list.find((n, i) => list.indexOf(n) !== i);
  if (repeated !== undefined) {
    console.error(`${flag}: ${repeated} is listed twice\n\n${usage}`);
    process.exit(2);
  }
  return list;
}
