/** The tables `listRollouts` and `listFailovers` read: each row has `cluster`, `state`, `created_at`, `id`. */
export type NewestFirstTable = 'rollouts' | 'failovers';

/**
 * Rows of `table`, newest first (ties by id), of one cluster when `filter.cluster` is set, in
 * `filter.states` when given. `all` runs SQL with one placeholder, `param` (`?` for SQLite, `$1` for
 * PostgreSQL): the one query both stores share.
 */
export function listNewestFirst<T extends { state: string }>(
  table: NewestFirstTable,
  filter: { cluster?: string; states?: readonly string[] },
  param: string,
  all: (sql: string, params: readonly unknown[]) => T[],
): T[] {
  const order = 'ORDER BY created_at DESC, id DESC';
  const rows = filter.cluster
    ? all(`SELECT * FROM ${table} WHERE cluster = ${param} ${order}`, [filter.cluster])
    : all(`SELECT * FROM ${table} ${order}`, []);
  return filter.states ? rows.filter((r) => filter.states!.includes(r.state)) : rows;
}
