import http from 'node:http';
import { closeServer, listen, trackConnections } from './daemon-common.js';
import { confNum, confStr, type StormConf } from './config.js';
import { getConfiguredClient, javaStackTrace, type LeaderClient } from './nimbus-client.js';
import {
  renderClusterSummary,
  renderError,
  renderNimbusSummary,
  renderSupervisorSummary,
  renderTopologySummary,
} from './ui-json.js';
import type { Logger } from './log.js';
import type { RunningDaemon } from './nimbus.js';
import type { ClusterSummary } from './thrift.js';

/**
 * `storm ui`: the REST API of storm-webapp (StormApiResource). Like the real UI every request opens
 * a NimbusClient (seeds → getLeader → leader) and calls the leader over Thrift, so a cluster
 * without a reachable leader answers HTTP 500 with UIHelpers.exceptionToJson.
 */
export interface UiDeps {
  conf: StormConf;
  log: (logger: string) => Logger;
}

type Route = (client: () => Promise<LeaderClient>, conf: StormConf) => Promise<unknown>;

const cluster = async (client: () => Promise<LeaderClient>): Promise<ClusterSummary> =>
  (await client()).getClusterInfo();

const ROUTES: Record<string, Route> = {
  '/api/v1/nimbus/summary': async (client, conf) => renderNimbusSummary(await cluster(client), conf),
  '/api/v1/cluster/summary': async (client, conf) => renderClusterSummary(await cluster(client), null, conf),
  '/api/v1/supervisor/summary': async (client, conf) => renderSupervisorSummary(await cluster(client), conf),
  '/api/v1/topology/summary': async (client, conf) => renderTopologySummary(await cluster(client), conf),
  // StormApiResource.getClusterConfiguration: the leader's getNimbusConf() JSON as is.
  '/api/v1/cluster/configuration': async (client) =>
    JSON.parse(await (await client()).getNimbusConf()) as unknown,
};

/** UIHelpers.getJsonResponseHeaders */
function headers(callback: string | null): Record<string, string> {
  return {
    'Cache-Control': 'no-cache, no-store',
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Headers':
      'Content-Type, Access-Control-Allow-Headers, Access-Controler-Allow-Origin, X-Requested-By, X-Csrf-Token, Authorization, X-Requested-With',
    'Content-Type': callback ? 'application/javascript;charset=utf-8' : 'application/json;charset=utf-8',
  };
}

export function createUiHandler(deps: UiDeps): http.RequestListener {
  const log = deps.log('org.apache.storm.daemon.ui.resources.StormApiResource');
  const clientLog = deps.log('org.apache.storm.utils.NimbusClient');
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://ui');
    const callback = url.searchParams.get('callback');
    const send = (status: number, data: unknown): void => {
      const json = JSON.stringify(data);
      res.writeHead(status, headers(callback));
      res.end(callback ? `${callback}(${json});` : json);
    };
    const route = ROUTES[url.pathname.replace(/\/+$/, '')];
    if (req.method !== 'GET' || !route) {
      res.writeHead(404, { 'Content-Type': 'text/html;charset=utf-8' });
      res.end('<html><body><h2>HTTP ERROR 404 Not Found</h2></body></html>');
      return;
    }
    route(() => getConfiguredClient(deps.conf, clientLog), deps.conf).then(
      (data) => send(200, data),
      (err: Error) => {
        log.error(`Exception in ${url.pathname}: ${err.message}`);
        send(500, renderError(javaStackTrace(err)));
      },
    );
  };
}

export async function runUi(deps: UiDeps): Promise<RunningDaemon> {
  const log = deps.log('org.apache.storm.daemon.ui.UIServer');
  const host = confStr(deps.conf, 'ui.host');
  const port = confNum(deps.conf, 'ui.port');
  const server = trackConnections(http.createServer(createUiHandler(deps)));
  await listen(server, host, port);
  log.info(`Starting Storm UI on ${host}:${port}`);
  return {
    async stop() {
      await closeServer(server);
    },
  };
}
