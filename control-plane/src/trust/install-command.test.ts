import { describe, expect, it } from 'vitest';
import { problemsOf } from '@hactl/shared';
import { renderInstallCommand, type InstallCommandInput } from './install-command.js';

const input = (grpc: string): InstallCommandInput => ({
  controlPlaneUrl: 'https://cp.example.net:7080',
  grpc,
  caPem: '-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n',
  caSha256: 'ab'.repeat(32),
  token: 'hjt_abc',
  name: 'kafka1',
  address: '10.0.0.21',
  labels: {},
});

describe('install command --grpc (issue 15: the agent takes the replicas as a comma list)', () => {
  it.each(['cp.example.net:7443', 'a.lan:7443,b.lan:7443,c.lan:7443'])(
    '%s → passed to install.sh as is',
    (grpc) => {
      expect(renderInstallCommand(input(grpc))).toContain(` --grpc ${grpc} `);
    },
  );
  it.each(['a.lan:7443,', 'a.lan:7443,,b.lan:7443', 'a.lan:7443;b.lan:7443', 'a.lan'])(
    '%s → refused',
    (grpc) => {
      expect(problemsOf(() => renderInstallCommand(input(grpc)))).toEqual([
        'grpc: must be HOST:PORT or a comma list of them',
      ]);
    },
  );
});

describe('install command labels (the agent --label rule, shared/labels.ts)', () => {
  it('rack=r1 is passed on; a bad key, a bad value and __proto__ are each refused, naming the label', () => {
    expect(renderInstallCommand({ ...input('cp.example.net:7443'), labels: { rack: 'r1' } })).toContain(
      '--label rack=r1',
    );
    const labels = JSON.parse('{"bad key":"x","zone":"a b","__proto__":"x"}') as Record<string, string>;
    expect(problemsOf(() => renderInstallCommand({ ...input('cp.example.net:7443'), labels }))).toEqual([
      expect.stringMatching(/^labels\.bad key: "bad key=x" is not a label/),
      expect.stringMatching(/^labels\.zone: "zone=a b" is not a label/),
      'labels.__proto__: the label key __proto__ is reserved (a JavaScript object cannot hold it)',
    ]);
  });
});
