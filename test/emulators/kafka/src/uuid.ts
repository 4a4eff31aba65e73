import { randomBytes } from 'node:crypto';

/**
 * Kafka's `Uuid.toString()`: the 16 bytes as URL-safe base64 without padding (22 chars).
 * `Uuid.randomUuid()` re-draws ids that start with '-' (KAFKA-13455) and the reserved ids
 * (all-zero, ...01, ...02 — the latter are DirectoryId.UNASSIGNED/LOST/MIGRATING).
 */
export function encodeUuid(bytes: Buffer): string {
  return bytes.toString('base64url');
}

export function randomKafkaUuid(random: (n: number) => Buffer = randomBytes): string {
  for (;;) {
    const b = random(16);
    const reserved = b.subarray(0, 15).every((x) => x === 0) && (b[15] ?? 0) <= 2;
    const s = encodeUuid(b);
    if (!reserved && !s.startsWith('-')) return s;
  }
}

/** ZK-mode cluster ids come from `CoreUtils.generateUuidAsBase64` (a random java UUID, same encoding). */
export function isKafkaUuid(s: string): boolean {
  if (!/^[A-Za-z0-9_-]{22}$/.test(s)) return false;
  return Buffer.from(s, 'base64url').length === 16;
}
