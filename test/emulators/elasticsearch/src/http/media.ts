import { ES_MAJOR } from '../version.js';
import { EsError } from './errors.js';

/**
 * Content negotiation after ES's RestRequest / RestCompatibleVersionHelper:
 * - `Accept`/`Content-Type` may be `application/vnd.elasticsearch+json; compatible-with=N`; N must
 *   be the server major or the one before (facts 4.3a), else 400 `media_type_header_exception`;
 * - an Accept value with a comma is a media range and is ignored (ParsedMediaType.isMediaRange),
 *   which is what the JS client sends on body-less requests;
 * - JSON responses carry the vendor type back when it was asked for, else `application/json`.
 */
export interface Negotiated {
  /** Content-Type for JSON responses. */
  jsonContentType: string;
  /** The request named a JSON format in Accept (cat APIs then answer JSON). */
  acceptsJson: boolean;
}

interface Parsed {
  type: string;
  compat?: number;
  raw: string;
}

function parse(value: string | undefined): Parsed | undefined {
  if (!value) return undefined;
  if (value.includes(',') || value.trim() === '*/*') return undefined;
  const parts = value.toLowerCase().split(/\s*;\s*/);
  const type = parts[0]!.trim();
  let compat: number | undefined;
  for (const p of parts.slice(1)) {
    const [k, v] = p.split('=');
    if (k?.trim() === 'compatible-with' && v !== undefined) compat = Number(v.trim());
  }
  return { type, compat, raw: value };
}

export function negotiate(accept: string | undefined, contentType: string | undefined, hasBody: boolean): Negotiated {
  const a = parse(accept);
  const c = hasBody ? parse(contentType) : undefined;
  const check = (p: Parsed | undefined, header: string): void => {
    if (p?.compat === undefined) return;
    if (p.compat !== ES_MAJOR && p.compat !== ES_MAJOR - 1) {
      throw new EsError(
        400,
        'media_type_header_exception',
        'Invalid media-type value on headers [Accept, Content-Type]',
        {},
        {
          type: 'status_exception',
          reason: `${header} version must be either version ${ES_MAJOR} or ${ES_MAJOR - 1}, but found ${p.compat}. ${header}=${p.raw}`,
        },
      );
    }
  };
  check(a, 'Accept');
  check(c, 'Content-Type');
  if (a?.compat !== undefined && c !== undefined && c.compat === undefined) {
    throw new EsError(400, 'media_type_header_exception', 'Invalid media-type value on headers [Accept, Content-Type]', {}, {
      type: 'status_exception',
      reason: `A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version. Accept=${a.raw}, Content-Type=${c.raw}`,
    });
  }
  const vnd = a !== undefined && a.type === 'application/vnd.elasticsearch+json';
  return {
    jsonContentType: vnd ? `application/vnd.elasticsearch+json;compatible-with=${a.compat ?? ES_MAJOR}` : 'application/json',
    acceptsJson: a !== undefined && (a.type === 'application/json' || vnd),
  };
}

/** A Java double: always printed with a fraction (`100.0`), as Jackson writes it. */
export class JsonDouble {
  constructor(readonly value: number) {}
  toString(): string {
    return Number.isInteger(this.value) ? this.value.toFixed(1) : String(this.value);
  }
}

const TOKEN = '\u0000double:';

/** ES's `?pretty` layout: two-space indent and `"key" : value`. */
export function renderJson(value: unknown, pretty: boolean): string {
  if (!pretty) {
    const text = JSON.stringify(value, (_k, v: unknown) => (v instanceof JsonDouble ? TOKEN + v.toString() : v));
    return text.replace(/"\\u0000double:([^"]+)"/g, '$1');
  }
  const out = (v: unknown, ind: string): string => {
    if (Array.isArray(v)) {
      if (v.length === 0) return '[ ]';
      return `[\n${v.map((x) => `${ind}  ${out(x, ind + '  ')}`).join(',\n')}\n${ind}]`;
    }
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
      if (entries.length === 0) return '{ }';
      return `{\n${entries.map(([k, x]) => `${ind}  ${JSON.stringify(k)} : ${out(x, ind + '  ')}`).join(',\n')}\n${ind}}`;
    }
    if (v instanceof JsonDouble) return v.toString();
    return JSON.stringify(v) ?? 'null';
  };
  return out(value, '') + '\n';
}
