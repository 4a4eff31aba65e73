import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * A lab network: a Linux bridge in the root namespace and, for each "server" that needs a kernel of
 * its own, a network namespace joined to the bridge by a veth pair. Storm is why: its Thrift servers
 * (nimbus, supervisor) and its workers bind every interface (storm-client SimpleTransportPlugin:
 * `new TNonblockingServerSocket(port)`; messaging/netty/Server: `new InetSocketAddress(port)`), so two
 * Storm hosts cannot share one kernel on the standard ports 6627/6628/6700+ the way other services
 * share 127.0.0.0/8. A namespace is a real separate host for them.
 *
 * Addresses are 10.77.<slice>.0/24: .1 is the bridge (the control plane listens there), other hosts
 * are .2-.254. A host without its own namespace gets its address on the bridge itself, in the root
 * namespace; namespaced hosts reach it through the bridge. (A loopback address would not do: Linux
 * drops packets for 127.0.0.0/8 that arrive on any interface but `lo`.) Root only; names are
 * `hl<slice>` (bridge), `hl<slice>-<host>` (namespaces), `hl<slice>v<n>` (veth ends).
 */
export interface LabHost {
  name: string;
  address: string;
  /** The host's own network namespace, or undefined when it lives in the root namespace. */
  netns: string | undefined;
}

export class LabNetwork {
  readonly bridge: string;
  readonly gateway: string;
  private readonly hosts = new Map<string, LabHost>();
  private destroyed = false;

  private constructor(readonly slice: number) {
    this.bridge = `hl${slice}`;
    this.gateway = `10.77.${slice}.1`;
  }

  /** Whether this process can build namespaces: root, with iproute2's `ip`. */
  static supported(): boolean {
    return process.getuid?.() === 0 && (fs.existsSync('/usr/sbin/ip') || fs.existsSync('/sbin/ip'));
  }

  /** Builds the bridge for `slice` (1-254), first removing whatever a crashed run of the same slice left. */
  static create(slice: number): LabNetwork {
    if (!Number.isInteger(slice) || slice < 1 || slice > 254)
      throw new Error(`lab network slice ${slice} is not in 1-254`);
    const net = new LabNetwork(slice);
    net.removeLeftovers();
    ip('link', 'add', net.bridge, 'type', 'bridge');
    ip('addr', 'add', `${net.gateway}/24`, 'dev', net.bridge);
    ip('link', 'set', net.bridge, 'up');
    return net;
  }

  /** Removes whatever namespaces and bridge slice `slice` has (a sandbox's `down`). Idempotent. */
  static remove(slice: number): void {
    new LabNetwork(slice).removeLeftovers();
  }

  /** The address of host number `n` (2-254) in this slice. */
  address(n: number): string {
    if (!Number.isInteger(n) || n < 2 || n > 254) throw new Error(`host number ${n} is not in 2-254`);
    return `10.77.${this.slice}.${n}`;
  }

  /**
   * Adds host `name` as number `n`: with `ownNamespace`, a namespace with `lo` up, a veth into the
   * bridge and a default route through it; without, an address on the bridge in the root namespace.
   */
  addHost(name: string, n: number, opts: { ownNamespace: boolean }): LabHost {
    if (this.hosts.has(name)) throw new Error(`lab host ${name} exists`);
    const address = this.address(n);
    let netns: string | undefined;
    if (opts.ownNamespace) {
      netns = `${this.bridge}-${name}`;
      const veth = `${this.bridge}v${n}`;
      ip('netns', 'add', netns);
      // `ip netns exec` bind-mounts /etc/netns/<ns>/* over /etc. Without a resolver of its own, a
      // lookup inside the namespace waits out its timeout (the root namespace's nameserver is not
      // reachable from here): Storm's ZooKeeper client resolves the server before each handshake
      // and never got a 6 s session. Pointing at 127.0.0.1, where nothing listens, fails at once.
      fs.mkdirSync(`/etc/netns/${netns}`, { recursive: true });
      fs.writeFileSync(
        `/etc/netns/${netns}/resolv.conf`,
        '# hactl lab namespace: no resolver; lookups fail at once\nnameserver 127.0.0.1\n',
      );
      ip('-n', netns, 'link', 'set', 'lo', 'up');
      ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
      ip('link', 'set', veth, 'master', this.bridge, 'up');
      ip('-n', netns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', netns, 'link', 'set', 'eth0', 'up');
      ip('-n', netns, 'route', 'add', 'default', 'via', this.gateway);
    } else {
      ip('addr', 'add', `${address}/32`, 'dev', this.bridge);
    }
    const host = { name, address, netns };
    this.hosts.set(name, host);
    return host;
  }

  host(name: string): LabHost {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no lab host ${name}`);
    return h;
  }

  /** argv that runs `command args…` on `host`: inside its namespace, or as is in the root one. */
  wrap(host: LabHost, command: string, args: readonly string[]): { command: string; args: string[] } {
    return host.netns
      ? { command: ipPath(), args: ['netns', 'exec', host.netns, command, ...args] }
      : { command, args: [...args] };
  }

  /**
   * Cuts a namespaced host off. `control-plane`: a blackhole route to the bridge address, where the
   * control plane listens; the other hosts (ZooKeeper, Storm peers) stay reachable on the link, and
   * so does anyone who reaches the host from another source address. `all`: its link goes down.
   */
  isolate(name: string, scope: 'control-plane' | 'all'): void {
    const ns = this.host(name).netns;
    if (!ns) throw new Error(`lab host ${name} has no namespace of its own to cut off`);
    if (scope === 'all') ip('-n', ns, 'link', 'set', 'eth0', 'down');
    else ip('-n', ns, 'route', 'add', 'blackhole', `${this.gateway}/32`);
  }

  /** Undoes `isolate` (either scope; idempotent): the link up, its default route and no blackhole. */
  heal(name: string): void {
    const { netns: ns, address } = this.host(name);
    if (!ns) return;
    ipQuiet('-n', ns, 'route', 'del', 'blackhole', `${this.gateway}/32`);
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    // Taking the link down dropped its routes, the subnet's among them: put the address back (which
    // brings its subnet route) and the default route, whatever is left of them.
    ip('-n', ns, 'addr', 'replace', `${address}/24`, 'dev', 'eth0');
    ip('-n', ns, 'route', 'replace', `10.77.${this.slice}.0/24`, 'dev', 'eth0', 'src', address);
    ip('-n', ns, 'route', 'replace', 'default', 'via', this.gateway);
  }

  /** Removes the namespaces, the veth pairs (they go with their namespace) and the bridge. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.removeLeftovers();
  }

  private removeLeftovers(): void {
    const prefix = `${this.bridge}-`;
    const listed = execFileSync(ipPath(), ['netns', 'list'], { encoding: 'utf8' });
    for (const line of listed.split('\n')) {
      const ns = line.split(' ')[0];
      if (ns?.startsWith(prefix)) ipQuiet('netns', 'del', ns);
    }
    for (const dir of fs.existsSync('/etc/netns') ? fs.readdirSync('/etc/netns') : []) {
      if (dir.startsWith(prefix)) fs.rmSync(`/etc/netns/${dir}`, { recursive: true, force: true });
    }
    ipQuiet('link', 'del', this.bridge);
  }
}

function ipPath(): string {
  return fs.existsSync('/usr/sbin/ip') ? '/usr/sbin/ip' : '/sbin/ip';
}

function ip(...args: string[]): void {
  try {
    execFileSync(ipPath(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    throw new Error(`ip ${args.join(' ')}: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
  }
}

/** For clean-up: a missing namespace or link is what we wanted. */
function ipQuiet(...args: string[]): void {
  try {
    execFileSync(ipPath(), args, { stdio: 'ignore' });
  } catch {
    // already gone
  }
}
