/**
 * JSON text of response objects that are served again as they are. A cluster view comes from a
 * status reader that is reused while the fleet only renews its reports (reconcile/fleet.ts
 * `status`), and at 10,000 members its text is 3.4 MB: stringified for every `GET
 * /v1/clusters/NAME`, that was about half of the control plane's REST CPU in the fleet benchmark
 * (bench/dist/fleet-push.js, CPU profile). Keyed weakly by the object itself, so a text lives as
 * long as its view; the views are not changed after they are made.
 */
const texts = new WeakMap<object, string>();

/** `JSON.stringify(view)`, computed once per object. */
export function jsonText(view: object): string {
  let text = texts.get(view);
  if (text === undefined) {
    text = JSON.stringify(view);
    texts.set(view, text);
  }
  return text;
}
