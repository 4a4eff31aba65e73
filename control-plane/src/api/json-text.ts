/**
 * JSON bodies of response objects that are served again as they are. A cluster view comes from a
 * status reader that is reused while the fleet only renews its reports (reconcile/fleet.ts
 * `status`), and at 10,000 members its text is 3.4 MB: stringified for every `GET
 * /v1/clusters/NAME`, that was about half of the control plane's REST CPU in the fleet benchmark
 * (bench/dist/fleet-push.js, CPU profile). Keyed weakly by the object itself, so a body lives as
 * long as its view; the views are not changed after they are made.
 *
 * The body is kept as UTF-8 bytes, not as the string: Node encodes a string response on every
 * write, and a 3.9 MB view (two-byte, since its reasons hold characters such as `→`) took 28 ms
 * of `res.end` per request against 0.7 ms for the same bytes as a Buffer (a scratch http server,
 * 30 requests, medians); in the fleet benchmark at 10,000 hosts that write was the control plane's
 * longest stall while it served the view.
 */
const bodies = new WeakMap<object, Uint8Array<ArrayBuffer>>();

/** `JSON.stringify(view)` as UTF-8 bytes, computed once per object. */
export function jsonBody(view: object): Uint8Array<ArrayBuffer> {
  let body = bodies.get(view);
  if (body === undefined) {
    body = Buffer.from(JSON.stringify(view), 'utf8');
    bodies.set(view, body);
  }
  return body;
}

/** Members stringified and encoded per event-loop turn by `jsonBodyStream`. */
export const MEMBERS_PER_TURN = 1000;

/**
 * `jsonBody(view)`, as a stream when it is not made yet and `members` (an array inside `view`) is
 * longer than MEMBERS_PER_TURN: the text around the array first, then the members
 * MEMBERS_PER_TURN at a time, each slice stringified and encoded in an event-loop turn of its own,
 * so the agents' reports are handled between slices. Made whole, a new view of 10,000 members was
 * one 24-26 ms turn of stringifying and encoding, once per report interval in the fleet benchmark
 * (in-process, 35 reads), on top of its roll-up. The bytes are those of `JSON.stringify(view)`,
 * and once the stream has ended they are kept as jsonBody keeps them, so the view's next reader
 * gets them at once. The view and its members must not change while the stream is read (views
 * never change once made).
 */
export function jsonBodyStream(
  view: object,
  members: readonly unknown[],
): Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array<ArrayBuffer>> {
  const kept = bodies.get(view);
  if (kept !== undefined || members.length <= MEMBERS_PER_TURN) return kept ?? jsonBody(view);
  const around = splitAround(view, members);
  if (around === undefined) return jsonBody(view);
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let next = 0;
  const encoded = (text: string) => {
    const part = Buffer.from(text, 'utf8');
    parts.push(part);
    return part;
  };
  return new ReadableStream<Uint8Array<ArrayBuffer>>({
    start(controller) {
      controller.enqueue(encoded(`${around.head}[`));
    },
    async pull(controller) {
      // A turn of its own: a pull right after the last chunk would run in the same microtask queue.
      await new Promise((resolve) => setImmediate(resolve));
      if (next >= members.length) {
        controller.enqueue(encoded(`]${around.tail}`));
        bodies.set(view, Buffer.concat(parts));
        controller.close();
        return;
      }
      const slice = members.slice(next, next + MEMBERS_PER_TURN);
      // `[a,b]` without its brackets; a comma before every slice but the first.
      const text = JSON.stringify(slice).slice(1, -1);
      controller.enqueue(encoded(next === 0 ? text : `,${text}`));
      next += slice.length;
    },
  });
}

/**
 * The JSON text of `view` before and after the array `members` in it: `JSON.stringify(view)` is
 * `head + JSON.stringify(members) + tail`. Undefined when the array is not found exactly once
 * (not in the view, or the marker that stands in for it is in the view's own text).
 */
function splitAround(view: object, members: readonly unknown[]): { head: string; tail: string } | undefined {
  const marker = `\u0000members-${process.hrtime.bigint()}`;
  let seen = 0;
  const text = JSON.stringify(view, (_key, value: unknown) => {
    if (value !== members) return value;
    seen++;
    return marker;
  });
  const parts = text.split(JSON.stringify(marker));
  if (seen !== 1 || parts.length !== 2) return undefined;
  return { head: parts[0]!, tail: parts[1]! };
}
