import { describe, expect, it } from 'vitest';
import { controlPlaneArgs, renderReplicaRoles, sandboxControlPlane } from './control-plane.js';

const cps = [0, 1, 2].map((i) => sandboxControlPlane(i, '10.77.1.1', '/r/.demo'));
const role = (leading: boolean) => ({ holder: 'h', leading, epoch: 3, leader: 'l' });

describe('sandbox control planes', () => {
  it('replica 0 keeps the lone control plane’s data dir, so the CLI exports work in both modes', () => {
    expect(cps[0]).toEqual({
      index: 0,
      name: 'control-plane',
      dataDir: '/r/.demo/control-plane',
      server: 'https://10.77.1.1:7080',
      grpc: '10.77.1.1:7443',
    });
    expect(cps[2]).toMatchObject({ dataDir: '/r/.demo/control-plane-r2', server: 'https://10.77.1.1:7082' });
    expect(cps[2]!.grpc).toBe('10.77.1.1:7445');
  });

  it('the lone control plane listens and advertises on the bridge, with no store flag', () => {
    const args = controlPlaneArgs(cps[0]!, undefined).join(' ');
    expect(args).toContain('--listen-http 10.77.1.1:7080 --listen-grpc 10.77.1.1:7443 --advertise 10.77.1.1');
    expect(args).not.toContain('--store');
  });

  it('a replica gets the shared store', () => {
    expect(controlPlaneArgs(cps[1]!, 'postgresql://postgres@127.0.0.1:5433/hactl').slice(-2)).toEqual([
      '--store',
      'postgresql://postgres@127.0.0.1:5433/hactl',
    ]);
  });

  it('replica 1 leads → kill its pid, then ask replica 0', () => {
    const text = renderReplicaRoles(cps, [11, 22, 33], [role(false), role(true), role(false)], 5000);
    expect(text).toContain(
      'control-plane-r1  REST https://10.77.1.1:7081  gRPC 10.77.1.1:7444  pid 22  LEADS',
    );
    expect(text).toContain('Try a failover: kill 22 ');
    expect(text).toContain('HACTL_SERVER=https://10.77.1.1:7080 bin/hactl get clusters');
  });

  it('no replica leads → no failover hint, a pointer to the logs', () => {
    const text = renderReplicaRoles(cps, [11, 22, 33], [role(false), undefined, role(false)], 5000);
    expect(text).toContain(
      'control-plane-r1  REST https://10.77.1.1:7081  gRPC 10.77.1.1:7444  pid 22  no answer',
    );
    expect(text).not.toContain('kill');
    expect(text).toContain('No replica leads right now');
  });
});
