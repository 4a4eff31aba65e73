/**
 * The one-line install command, rendered purely from validated inputs. Every value is checked
 * against a strict character set before it is put into the shell line (never quoted-and-hoped):
 * host names, IPs, `key=value` labels, URL and token characters only.
 */
import { ValidationError, labelProblem, type ErrorDetail } from '@hactl/shared';

export interface InstallCommandInput {
  /** https://HOST:PORT the host reaches the control plane's HTTPS API at. */
  controlPlaneUrl: string;
  /**
   * HOST:PORT of the control plane's gRPC endpoint as the host reaches it, or a comma list of its
   * replicas' (`a:7443,b:7443`): the agent's `--server` / `HACTL_AGENT_SERVER` takes either.
   */
  grpc: string;
  caPem: string;
  caSha256: string;
  token: string;
  name: string;
  address: string;
  labels: Record<string, string>;
}

const CHECKS: [keyof InstallCommandInput, RegExp, string][] = [
  ['controlPlaneUrl', /^https:\/\/[A-Za-z0-9.:[\]-]+$/, 'must be https://HOST:PORT'],
  [
    'grpc',
    /^[A-Za-z0-9.:[\]-]+:[0-9]{1,5}(?:,[A-Za-z0-9.:[\]-]+:[0-9]{1,5})*$/,
    'must be HOST:PORT or a comma list of them',
  ],
  ['caSha256', /^[0-9a-f]{64}$/, 'must be 64 hex digits'],
  ['token', /^[A-Za-z0-9_-]{1,200}$/, 'must be a token'],
  ['name', /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/, 'must be a host name'],
  ['address', /^(?:[0-9]{1,3}\.){3}[0-9]{1,3}$|^[0-9a-fA-F:]+$/, 'must be an IP address'],
];

/** Problems with the labels of an install command (keys and values as the agent's --label takes them). */
export function checkLabels(labels: Record<string, string>): ErrorDetail[] {
  return Object.entries(labels).flatMap(([k, v]) => {
    const why = labelProblem(k, v);
    return why ? [{ path: `labels.${k}`, message: why }] : [];
  });
}

/**
 * `sh -c '…'` that writes the CA to a temp file, fetches install.sh with curl verifying the control
 * plane against that CA (no -k), and runs it with the token, fingerprint, name, address and labels.
 * @throws ValidationError naming each field that does not pass.
 */
export function renderInstallCommand(i: InstallCommandInput): string {
  const problems: ErrorDetail[] = CHECKS.filter(([k, re]) => !re.test(String(i[k]))).map(([k, , m]) => ({
    path: k,
    message: m,
  }));
  problems.push(...checkLabels(i.labels));
  const b64 = i.caPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/=]+$/.test(b64)) problems.push({ path: 'caPem', message: 'must be a PEM certificate' });
  if (problems.length) throw new ValidationError('invalid install command', problems);
  const pem = `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  const caB64 = Buffer.from(pem).toString('base64');
  const labels = Object.keys(i.labels)
    .sort()
    .map((k) => ` --label ${k}=${i.labels[k]}`)
    .join('');
  return (
    `sh -c 'd=$(mktemp -d) && echo ${caB64} | base64 -d > "$d/ca.pem" && ` +
    `curl -fsS --cacert "$d/ca.pem" ${i.controlPlaneUrl}/install.sh | sh -s -- ` +
    `--control-plane ${i.controlPlaneUrl} --grpc ${i.grpc} --ca-file "$d/ca.pem" --ca-sha256 ${i.caSha256} ` +
    `--token ${i.token} --name ${i.name} --address ${i.address}${labels}'`
  );
}
