import type { Reader } from './wire.js';
import { ApiKey, ErrorCode, type ApiRange } from './api.js';
import type { RequestHandler } from './protocol-server.js';
import {
  encodeApiVersionsResponse,
  encodeControlledShutdownResponse,
  encodeDescribeQuorumResponse,
  encodeMetadataResponse,
  parseMetadataRequest,
  type DescribeQuorumResponse,
  type RequestHeader,
} from './messages.js';
import { buildMetadataResponse, type ClusterView } from './cluster-view.js';

export interface HandlerDeps {
  readonly apis: readonly ApiRange[];
  /** The view Metadata answers from; controllerId may be rewritten per request (KRaft). */
  readonly view: () => ClusterView;
  readonly controlledShutdown?: (brokerId: number) => Promise<{ errorCode: number; remaining: { topic: string; partition: number }[] }>;
  readonly describeQuorum?: () => DescribeQuorumResponse;
  readonly private?: (header: RequestHeader, body: Reader) => Promise<Buffer | undefined>;
  readonly hiddenApis?: readonly ApiRange[];
}

/** Dispatches the APIs a listener supports (see api.ts for the version ranges). */
export function createHandler(d: HandlerDeps): RequestHandler {
  return {
    apis: () => d.apis,
    hiddenApis: () => d.hiddenApis ?? [],
    async handle(header, body, listenerName) {
      switch (header.apiKey) {
        case ApiKey.ApiVersions:
          return encodeApiVersionsResponse(header.apiVersion, d.apis, ErrorCode.NONE);
        case ApiKey.Metadata: {
          const req = parseMetadataRequest(header.apiVersion, body);
          return encodeMetadataResponse(header.apiVersion, buildMetadataResponse(d.view(), req, listenerName, header.apiVersion));
        }
        case ApiKey.ControlledShutdown: {
          if (!d.controlledShutdown) return undefined;
          const brokerId = body.int32();
          return encodeControlledShutdownResponse(await d.controlledShutdown(brokerId));
        }
        case ApiKey.DescribeQuorum:
          if (!d.describeQuorum) return undefined;
          return encodeDescribeQuorumResponse(header.apiVersion, d.describeQuorum());
        default:
          return d.private ? d.private(header, body) : undefined;
      }
    },
  };
}
