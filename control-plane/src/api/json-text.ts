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
