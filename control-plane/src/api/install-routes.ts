import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import type { Hono } from 'hono';
import { HactlError, ValidationError, hostPort, isWildcardHost, parseJsonInput } from '@hactl/shared';
import { renderInstallCommand } from '../trust/install-command.js';
import type { Caller, TrustService } from '../trust/service.js';

/** Where servers reach this control plane, and what it serves them. */
export interface InstallDeps {
  trust: TrustService;
  /** The install script template (deploy/install.sh) and the agent bundle file. */
  installScript: string;
  agentBundle: string;
  /**
   * Host servers reach the control plane at, and its HTTPS and gRPC ports; `grpcEndpoints`: with
   * replicas, every live replica's gRPC HOST:PORT, which agents get as their --server list.
   */
  advertise: {
    host: string;
    httpPort: () => number;
    grpcPort: () => number;
    grpcEndpoints?: () => string[];
  };
}

/** The advertised host: `--advertise`, else a specific HTTP listen host, else the machine's name. */
export function advertisedHost(advertise: string | undefined, httpHost: string): string {
  if (advertise) return advertise;
  return isWildcardHost(httpHost) ? os.hostname() : httpHost;
}

/**
 * `GET /install.sh` (the script with the bundle's SHA-256 filled in), `GET /agent-bundle.tar.gz`,
 * and `POST /v1/install-command` (admin): a fresh single-use join token bound to the host's name,
 * valid one hour, in the one-liner that installs and enrolls it.
 */
export function addInstallRoutes(app: Hono<{ Variables: { caller: Caller } }>, deps: InstallDeps): void {
  // The bundle is hashed once per (path, mtime, size): it is tens of MB, and the script is fetched per install.
  let cached: { key: string; sha: string } | undefined;
  const bundleSha = (): string => {
    let st: fs.Stats;
    try {
      st = fs.statSync(deps.agentBundle);
    } catch {
      throw new HactlError(
        'unavailable',
        `no agent bundle at ${deps.agentBundle}: make it with scripts/bundle-agent.sh (or pass --agent-bundle)`,
      );
    }
    const key = `${st.mtimeMs}:${st.size}`;
    if (cached?.key !== key)
      cached = {
        key,
        sha: crypto.createHash('sha256').update(fs.readFileSync(deps.agentBundle)).digest('hex'),
      };
    return cached.sha;
  };

  app.get('/install.sh', (c) => {
    const script = fs.readFileSync(deps.installScript, 'utf8').replace('@HACTL_BUNDLE_SHA256@', bundleSha());
    return c.text(script, 200, { 'content-type': 'text/x-shellscript; charset=utf-8' });
  });

  app.get('/agent-bundle.tar.gz', (c) => {
    bundleSha();
    return c.body(fs.readFileSync(deps.agentBundle), 200, { 'content-type': 'application/gzip' });
  });

  app.post('/v1/install-command', async (c) => {
    const text = await c.req.text();
    const b = (text.trim() ? parseJsonInput(text, 'request body') : {}) as Record<string, unknown>;
    const name = b.name;
    const address = b.address;
    const labels = b.labels ?? {};
    const problems = [];
    if (typeof name !== 'string') problems.push({ path: 'name', message: 'must be a host name' });
    if (typeof address !== 'string') problems.push({ path: 'address', message: 'must be an IP address' });
    if (
      typeof labels !== 'object' ||
      labels === null ||
      Array.isArray(labels) ||
      Object.values(labels).some((v) => typeof v !== 'string')
    )
      problems.push({ path: 'labels', message: 'must be an object of strings' });
    if (problems.length) throw new ValidationError('invalid install command request', problems);
    const { caPem, caSha256 } = deps.trust.caInfo();
    const input = {
      controlPlaneUrl: `https://${deps.advertise.host}:${deps.advertise.httpPort()}`,
      grpc:
        deps.advertise.grpcEndpoints?.().join(',') ||
        hostPort(deps.advertise.host, deps.advertise.grpcPort()),
      caPem,
      caSha256,
      token: 'hjt_check',
      name: name as string,
      address: address as string,
      labels: labels as Record<string, string>,
    };
    renderInstallCommand(input); // validates every field, all at once, before a token is made
    const t = deps.trust.createJoinToken({
      ttlMs: 3_600_000,
      uses: 1,
      hosts: name as string,
      createdBy: c.get('caller').name,
    });
    return c.json(
      {
        command: renderInstallCommand({ ...input, token: t.token }),
        caSha256,
        expiresAt: new Date(t.expiresAt).toISOString(),
      },
      201,
    );
  });
}
