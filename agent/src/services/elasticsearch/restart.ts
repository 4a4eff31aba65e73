import type { elasticsearch } from '@hactl/shared';

type Inputs = elasticsearch.ElasticsearchInputs;

async function call(
  inputs: Inputs,
  method: string,
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<unknown> {
  const res = await fetch(`http://${inputs.address}:${inputs.httpPort}${path}`, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/**
 * Before stopping a node (service-facts §4.7, the rolling-restart page): limit allocation to
 * primaries so the cluster does not start re-replicating the node's shards while it is away, and
 * flush so recovery after the restart is quick.
 */
export async function beforeElasticsearchRestart(inputs: Inputs, timeoutMs: number): Promise<void> {
  await call(
    inputs,
    'PUT',
    '/_cluster/settings',
    { persistent: { 'cluster.routing.allocation.enable': 'primaries' } },
    timeoutMs,
  );
  await call(inputs, 'POST', '/_flush', undefined, timeoutMs);
}

/**
 * After the node rejoined: restore allocation (null = the default, all) and wait for green before the
 * lease is released, so the next node only goes down once every replica is back.
 */
export async function afterElasticsearchRestart(inputs: Inputs, timeoutMs: number): Promise<void> {
  await call(
    inputs,
    'PUT',
    '/_cluster/settings',
    { persistent: { 'cluster.routing.allocation.enable': null } },
    Math.min(timeoutMs, 30_000),
  );
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(
      `http://${inputs.address}:${inputs.httpPort}/_cluster/health?wait_for_status=green&timeout=10s`,
      { signal: AbortSignal.timeout(20_000) },
    ).catch(() => undefined);
    // 200 = green reached; 408 = still not green after the server-side wait (service-facts §4.4).
    if (res?.status === 200) {
      const body = (await res.json()) as { status?: string };
      if (body.status === 'green') return;
    } else await res?.body?.cancel();
    if (Date.now() > end)
      throw new Error(`cluster not green ${timeoutMs} ms after restarting ${inputs.nodeName}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
