import { z } from 'zod';
import { NAME_RE, ValidationError, zodDetails } from '@hactl/shared';

/**
 * `POST /v1/commands` bodies, checked at the edge (pure). Every problem is reported at once with
 * its field path (`target.hosts[1]`, `timeoutSec`).
 */

const HOST_NAME = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, 'must be a host name');
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;

/** Which hosts run a command: the union of hosts, members and cluster (with role), narrowed by labels. */
export const targetSchema = z
  .strictObject({
    hosts: z.array(HOST_NAME).max(1000).optional(),
    members: z
      .array(
        z
          .string()
          .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\/[A-Za-z0-9._-]{1,255}$/, 'must be CLUSTER/MEMBER'),
      )
      .max(1000)
      .optional(),
    cluster: z.string().regex(NAME_RE, 'must be a cluster name').optional(),
    role: z
      .string()
      .regex(/^[a-z_]{1,32}$/, 'must be a role name')
      .optional(),
    labels: z.record(z.string().regex(LABEL_KEY, 'must be a label key'), z.string().max(63)).optional(),
  })
  .refine((t) => t.role === undefined || t.cluster !== undefined, {
    message: 'role needs cluster',
    path: ['role'],
  })
  .refine(
    (t) =>
      (t.hosts?.length ?? 0) > 0 ||
      (t.members?.length ?? 0) > 0 ||
      t.cluster !== undefined ||
      Object.keys(t.labels ?? {}).length > 0,
    { message: 'name hosts, members, a cluster or labels' },
  );

export type CommandTarget = z.infer<typeof targetSchema>;

/** Longest command timeout: a day. */
export const MAX_TIMEOUT_SEC = 86_400;

/** The `POST /v1/commands` body, as parseCommandRequest checks it (also in the OpenAPI document). */
export const commandRequestSchema = z.strictObject({
  target: targetSchema,
  argv: z
    .array(
      z
        .string()
        .max(8192)
        .refine((a) => !a.includes('\0'), 'must not contain NUL'),
    )
    .min(1, 'must hold the program and its arguments')
    .max(1000),
  shell: z.boolean().default(false),
  parallel: z.number().int().min(1).max(1000).default(10),
  timeoutSec: z.number().int().min(1).max(MAX_TIMEOUT_SEC).default(300),
});

export type CommandRequest = z.infer<typeof commandRequestSchema>;

/**
 * Checks a `POST /v1/commands` body. With `shell`, argv is joined with spaces into one
 * `/bin/sh -c` script (as `ssh host a b` does).
 * @throws ValidationError naming every bad field.
 */
export function parseCommandRequest(body: unknown): CommandRequest {
  const r = commandRequestSchema.safeParse(body);
  if (!r.success) throw new ValidationError('invalid command request', zodDetails(r.error));
  return r.data.shell ? { ...r.data, argv: [r.data.argv.join(' ')] } : r.data;
}
