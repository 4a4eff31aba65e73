import crypto from 'node:crypto';

/**
 * A random identifier as `kafka-storage.sh random-uuid` prints one: 16 random bytes in base64url
 * (22 characters). Like Kafka's `Uuid.randomUuid()`, it never starts with `-`, which command-line
 * parsers read as an option (`kafka-storage.sh format -t -abc…` fails). Used for KRaft cluster ids
 * and the control plane's own id. `bytes` is injectable for tests.
 */
export function randomId(bytes: (n: number) => Buffer = crypto.randomBytes): string {
  for (;;) {
    const id = bytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
