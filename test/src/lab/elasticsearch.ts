/**
 * One REST call to a lab Elasticsearch node on its HTTP port 9200, answered as the node sent it:
 * the status, the body text, and the body parsed as JSON (undefined when it is not JSON). A body
 * given in `init` is sent as JSON. Gives up after 60 s (AbortSignal), rejecting with the abort.
 */
export async function esRest(
  address: string,
  p: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; text: string; json: unknown }> {
  const res = await fetch(`http://${address}:9200${p}`, {
    method: init.method ?? 'GET',
    ...(init.body === undefined
      ? {}
      : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}
