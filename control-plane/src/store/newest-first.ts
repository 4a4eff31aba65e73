/** The tables `listRollouts` and `listFailovers` read: each row has `cluster`, `state`, `created_at`, `id`. */
export type NewestFirstTable = 'rollouts' | 'failovers';

/**
 * Rows of `table`, newest first (ties by id), of one cluster when `filter.cluster` is set, in
 * `filter.states` when given (an empty list: none). `all` runs SQL whose placeholders
 * `placeholder(n)` makes for the n-th parameter, from 1 (`?` for SQLite, `$n` for PostgreSQL): the
 * one query both stores share. The states are filtered in SQL, on the `<table>_state` index, so
 * the running rollouts of every cluster are one lookup, not a read of each cluster's history.
 */
export function listNewestFirst<T extends { state: string }>(
  table: NewestFirstTable,
  filter: { cluster?: string; states?: readonly string[] },
  placeholder: (n: number) => string,
  all: (sql: string, params: readonly unknown[]) => T[],
): T[] {
  if (filter.states?.length === 0) return [];
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.cluster !== undefined) {
    params.push(filter.cluster);
    where.push(`cluster = ${placeholder(params.length)}`);
  }
  if (filter.states) {
    const marks = filter.states.map((state) => {
      params.push(state);
      return placeholder(params.length);
    });
    where.push(`state IN (${marks.join(', ')})`);
  }
  const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
  return all(`SELECT * FROM ${table}${clause} ORDER BY created_at DESC, id DESC`, params);
}
