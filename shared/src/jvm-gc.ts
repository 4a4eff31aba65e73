/**
 * JVM flags that select a garbage collector (HotSpot 17+: Serial, Parallel, G1, Z, Shenandoah,
 * Epsilon). The JVM refuses to start with two different ones ("Multiple garbage collectors
 * selected", GCArguments), and each distribution's launcher already picks one: Kafka's
 * kafka-run-class.sh puts -XX:+UseG1GC in KAFKA_JVM_PERFORMANCE_OPTS, Elasticsearch's
 * config/jvm.options holds -XX:+UseG1GC. A collector in the spec must replace that default, never
 * be added beside it; each kind's launch plan does the replacing.
 */
export const COLLECTOR_FLAG_RE = /^-XX:\+Use(Serial|Parallel|G1|Z|Shenandoah|Epsilon)GC$/;

/** The G1 flag distributions choose by default. */
export const G1_FLAG = '-XX:+UseG1GC';

/** The distinct collector flags in `flags`, in order. Pure. */
export function collectorFlags(flags: readonly string[]): string[] {
  return [...new Set(flags.filter((f) => COLLECTOR_FLAG_RE.test(f)))];
}

/** Whether `flags` select a collector other than the distributions' default G1. Pure. */
export function replacesDefaultCollector(flags: readonly string[]): boolean {
  return collectorFlags(flags).some((f) => f !== G1_FLAG);
}
