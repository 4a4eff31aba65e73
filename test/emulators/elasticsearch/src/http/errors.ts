/**
 * An Elasticsearch REST error: rendered as ES's shape
 * `{"error":{"root_cause":[{type,reason,...}],"type","reason",...,"caused_by"?},"status":N}`
 * (ElasticsearchException.generateFailureXContent).
 */
export class EsError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly reason: string | null,
    readonly extra: Record<string, unknown> = {},
    readonly causedBy?: { type: string; reason: string },
  ) {
    super(reason ?? type);
  }

  body(): Record<string, unknown> {
    const cause = { type: this.type, reason: this.reason, ...this.extra };
    const error: Record<string, unknown> = { root_cause: [cause], ...cause };
    if (this.causedBy) error.caused_by = this.causedBy;
    return { error, status: this.status };
  }
}

export const masterNotDiscovered = (): EsError => new EsError(503, 'master_not_discovered_exception', null);

export const illegalArgument = (reason: string): EsError => new EsError(400, 'illegal_argument_exception', reason);

export const indexNotFound = (index: string): EsError =>
  new EsError(404, 'index_not_found_exception', `no such index [${index}]`, {
    'resource.type': 'index_or_alias',
    'resource.id': index,
    index_uuid: '_na_',
    index,
  });

export const actionValidation = (problems: string[]): EsError =>
  new EsError(400, 'action_request_validation_exception', `Validation Failed: ${problems.map((p, i) => `${i + 1}: ${p};`).join('')}`);

export const parseError = (reason: string): EsError => new EsError(400, 'parse_exception', reason);
