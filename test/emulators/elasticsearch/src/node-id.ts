/**
 * ES node ids (and cluster UUIDs, index UUIDs): `UUIDs.randomBase64UUID()` — 16 random bytes with the
 * version-4 and IETF-variant bits set, URL-safe base64 without padding, 22 characters.
 * `randomBytes` is passed in so the function stays pure.
 */
export function base64Uuid(randomBytes: (n: number) => Uint8Array): string {
  const b = Buffer.from(randomBytes(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return b.toString('base64url');
}
