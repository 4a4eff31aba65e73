import type { Hono } from 'hono';
import { HactlError, NAME_RE, ValidationError, parseJsonInput } from '@hactl/shared';
import type { CommandService, OutputStream } from '../commands/service.js';
import { parseCommandRequest } from '../commands/request.js';
import { parseDuration } from '../commands/duration.js';
import type { Caller } from '../trust/service.js';

/**
 * Remote commands (issue 13): `POST /v1/commands` → 201 {id, …}, `GET /v1/commands/{id}` (each
 * host's state, exit code, duration), `GET /v1/commands/{id}/output` (streamed), `DELETE
 * /v1/commands/{id}` or `POST /v1/commands/{id}/cancel`; all need the exec scope (policy.ts).
 * And `GET /v1/clusters/{name}/members/{member}/logs/follow` (read scope): a member's log,
 * followed until the client goes away.
 *
 * Output streams are newline-delimited JSON (`application/x-ndjson`), one OutputEvent per line
 * (commands/output.ts): output `{type, host, stream, data}`, `{type: "exit", host, state,
 * exitCode, …}` per host, `{type: "end", state}` last. NDJSON rather than server-sent events: the
 * CLI reads it with node:http line by line, and events carry no ids to resume from anyway.
 * The stream is pulled: a slow reader leaves output unread, which withholds the agents' credit.
 */
export function addCommandRoutes(
  app: Hono<{ Variables: { caller: Caller } }>,
  deps: { commands: CommandService | undefined },
): void {
  const commands = deps.commands;
  if (!commands) return;

  app.post('/v1/commands', async (c) => {
    const text = await c.req.text();
    if (!text.trim()) throw new HactlError('invalid_json', 'request body is empty; send {target, argv}');
    const req = parseCommandRequest(parseJsonInput(text, 'request body'));
    return c.json(commands.start(req, c.get('caller').name), 201);
  });

  app.get('/v1/commands/:id', (c) => c.json(commands.view(checkId(c.req.param('id')))));

  app.get('/v1/commands/:id/output', (c) => ndjson(commands.output(checkId(c.req.param('id')))));

  app.delete('/v1/commands/:id', (c) =>
    c.json(commands.cancel(checkId(c.req.param('id')), c.get('caller').name)),
  );
  app.post('/v1/commands/:id/cancel', (c) =>
    c.json(commands.cancel(checkId(c.req.param('id')), c.get('caller').name)),
  );

  app.get('/v1/clusters/:name/members/:member/logs/follow', (c) => {
    const name = c.req.param('name');
    const member = c.req.param('member');
    const problems = [];
    if (!NAME_RE.test(name)) problems.push({ path: 'name', message: 'must be a cluster name' });
    if (!/^[A-Za-z0-9._-]{1,255}$/.test(member))
      problems.push({ path: 'member', message: 'a host name, member id or instance name' });
    const file = c.req.query('file') ?? 'service';
    if (file !== 'service' && file !== 'out')
      problems.push({ path: 'file', message: 'must be service or out' });
    const tailRaw = c.req.query('tail') ?? '10';
    if (!/^[0-9]{1,4}$/.test(tailRaw) || Number(tailRaw) > 5000)
      problems.push({ path: 'tail', message: 'must be a number of lines from 0 to 5000' });
    const sinceRaw = c.req.query('since');
    const since = sinceRaw === undefined ? 0 : parseDuration(sinceRaw);
    if (typeof since === 'string') problems.push({ path: 'since', message: since });
    if (problems.length) throw new ValidationError('invalid log follow request', problems);
    const f = commands.follow(name, member, {
      file: file as 'service' | 'out',
      tailLines: Number(tailRaw),
      sinceAgoMs: since as number,
    });
    return ndjson(f.stream, { 'x-hactl-host': f.host, 'x-hactl-instance': f.instance });
  });
}

/** Command ids are the core's newId (hex). */
function checkId(id: string): string {
  if (!/^[a-f0-9]{1,64}$/.test(id))
    throw new ValidationError('invalid command id', [{ path: 'id', message: 'must be hex' }]);
  return id;
}

/** A pulled NDJSON response over an output stream; the client going away closes the stream. */
function ndjson(s: OutputStream, headers: Record<string, string> = {}): Response {
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const events = await s.next();
        if (events === null) {
          s.close();
          controller.close();
          return;
        }
        controller.enqueue(enc.encode(events.map((e) => JSON.stringify(e) + '\n').join('')));
      },
      cancel() {
        s.close();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store', ...headers },
  });
}
