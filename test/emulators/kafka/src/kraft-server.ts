import type { ServerConfig } from './config.js';
import type { RunningServer, ZkBrokerDeps } from './zk-broker.js';
import { StartupError } from './startup-error.js';

export function startKraftServer(_cfg: ServerConfig, _deps: ZkBrokerDeps): Promise<RunningServer> {
  return Promise.reject(new StartupError('java.lang.RuntimeException', 'not implemented'));
}
