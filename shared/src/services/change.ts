import { inputsJson } from '../desired-json.js';
import { serviceKind } from './registry.js';
import type { ChangeClass } from './types.js';

/**
 * The one answer to "what does moving this instance from `before` to `after` render inputs take?",
 * used by the dry run, the apply (which members a rollout restarts) and the agent (which members
 * it marks restart pending). Inputs are compared as their JSON, which is how they are stored and
 * sent (each text made once per inputs object, desired-json.ts); equal inputs are `none`,
 * otherwise the kind decides (default `restart`). Pure.
 */
export function classifyChange(kind: string, before: unknown, after: unknown): ChangeClass {
  if (inputsJson(before) === inputsJson(after)) return 'none';
  return serviceKind(kind)?.classifyChange?.(before, after) ?? 'restart';
}
