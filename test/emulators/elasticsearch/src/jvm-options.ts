/**
 * jvm.options handling, after ES's JvmOptionsParser: `$ES_PATH_CONF/jvm.options` then every
 * `jvm.options.d/*.options` in name order, then ES_JAVA_OPTS. Lines are `#` comments, blank, `-opt`,
 * or `N:-opt` / `N-:-opt` / `N-M:-opt` (JDK major ranges). Anything else is an
 * "improperly formatted JVM option". Pure: file contents arrive as data.
 */
export interface JvmOptionsFile {
  path: string;
  text: string;
}

export interface JvmOptionsResult {
  options: string[];
  /** ES's error text (exit code 78, ExitCodes.CONFIG) when a file has malformed lines. */
  error?: string;
}

const LINE = /^((\d+)(-)?(\d+)?:)?(-.*)$/;

export function parseJvmOptions(files: readonly JvmOptionsFile[], esJavaOpts: string | undefined, jdkMajor: number): JvmOptionsResult {
  const options: string[] = [];
  for (const f of files) {
    const invalid: [number, string][] = [];
    f.text.split(/\r?\n/).forEach((raw, idx) => {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) return;
      const m = LINE.exec(line);
      if (!m) {
        invalid.push([idx + 1, raw]);
        return;
      }
      if (m[1] !== undefined) {
        const lo = Number(m[2]);
        const hi = m[3] === undefined ? lo : m[4] === undefined ? Infinity : Number(m[4]);
        if (m[4] !== undefined && hi < lo) {
          invalid.push([idx + 1, raw]);
          return;
        }
        if (jdkMajor < lo || jdkMajor > hi) return;
      }
      options.push(m[5]!);
    });
    if (invalid.length > 0) {
      const lines = [
        `encountered [${invalid.length}] error${invalid.length === 1 ? '' : 's'} parsing [${f.path}]`,
        ...invalid.map(
          ([n, l], i) => `[${i + 1}]: encountered improperly formatted JVM option in [${f.path}] on line number [${n}]: [${l}]`,
        ),
      ];
      return { options, error: lines.join('\n') };
    }
  }
  if (esJavaOpts) options.push(...esJavaOpts.split(/\s+/).filter((s) => s.length > 0));
  return { options };
}

export interface HeapCheck {
  xmsBytes: number | undefined;
  xmxBytes: number | undefined;
  /** A JVM start failure ("Invalid maximum heap size", Xms > Xmx): the JVM exits 1. */
  fatal?: string;
  /** The heap-size bootstrap check (fatal only in production mode; ES exits 78 then). */
  bootstrapCheck?: string;
}

function parseSize(v: string): number | undefined {
  const m = /^(\d+)([kKmMgGtT]?)$/.exec(v);
  if (!m) return undefined;
  const mult: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  return Number(m[1]) * (mult[m[2]!.toLowerCase()] ?? 1);
}

/** The last -Xms/-Xmx wins, as with the JVM. */
export function checkHeap(options: readonly string[]): HeapCheck {
  let xms: string | undefined;
  let xmx: string | undefined;
  for (const o of options) {
    if (o.startsWith('-Xms')) xms = o.slice(4);
    else if (o.startsWith('-Xmx')) xmx = o.slice(4);
  }
  const out: HeapCheck = { xmsBytes: undefined, xmxBytes: undefined };
  if (xms !== undefined) {
    out.xmsBytes = parseSize(xms);
    if (out.xmsBytes === undefined) return { ...out, fatal: `Invalid initial heap size: -Xms${xms}\nError: Could not create the Java Virtual Machine.` };
  }
  if (xmx !== undefined) {
    out.xmxBytes = parseSize(xmx);
    if (out.xmxBytes === undefined) return { ...out, fatal: `Invalid maximum heap size: -Xmx${xmx}\nError: Could not create the Java Virtual Machine.` };
  }
  if (out.xmsBytes !== undefined && out.xmxBytes !== undefined) {
    if (out.xmsBytes > out.xmxBytes) {
      return {
        ...out,
        fatal:
          'Error occurred during initialization of VM\nInitial heap size set to a larger value than the maximum heap size',
      };
    }
    if (out.xmsBytes !== out.xmxBytes) {
      out.bootstrapCheck = `initial heap size [${out.xmsBytes}] not equal to maximum heap size [${out.xmxBytes}]; this can cause resize pauses`;
    }
  }
  return out;
}
