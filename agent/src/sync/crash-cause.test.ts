import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCrashCause, pickCrashCause, readFailureLog, readTail, tailLines } from './crash-cause.js';

describe('crash cause from a log tail', () => {
  it.each<[string, string, string | undefined]>([
    ['empty log → nothing', '\n\n', undefined],
    [
      'ZooKeeper exits on a taken port → the ERROR line, not the shutdown lines after it',
      [
        '2025-01-01 12:00:00,001 [myid:3] - INFO  [main:QuorumPeerConfig@177] - Reading configuration from: /d/zk/3/conf/zoo.cfg',
        '2025-01-01 12:00:00,420 [myid:3] - ERROR [main:QuorumPeerMain@114] - Unexpected exception, exiting abnormally',
        'java.net.BindException: Address already in use',
        '\tat java.base/sun.nio.ch.Net.bind0(Native Method)',
        '2025-01-01 12:00:00,431 [myid:3] - INFO  [main:ZKAuditProvider@42] - ZooKeeper audit is disabled.',
      ].join('\n'),
      'java.net.BindException: Address already in use',
    ],
    [
      // Recorded from Debian's ZooKeeper 3.8.0 with a damaged transaction log and no snapshot.
      'ZooKeeper 3.8 refusing a broken data dir → the exception, not the "Exiting JVM" line after it',
      [
        'java.io.IOException: Transaction log: /d/zk/1/data/version-2/log.100 has invalid magic number 1998114314 != 1514884167',
        '2026-11-30 15:02:59,729 [myid:] - ERROR [main:o.a.z.s.ZooKeeperServerMain@91] - Unexpected exception, exiting abnormally',
        'java.io.IOException: No snapshot found, but there are log entries. Something is broken!',
        '\tat org.apache.zookeeper.server.persistence.FileTxnSnapLog.restore(FileTxnSnapLog.java:290)',
        '2026-11-30 15:02:59,751 [myid:] - ERROR [main:o.a.z.u.ServiceUtils@42] - Exiting JVM with code 1',
      ].join('\n'),
      'java.io.IOException: No snapshot found, but there are log entries. Something is broken!',
    ],
    [
      'only a logged ERROR line → that line',
      'INFO starting\n2025 - ERROR [main] - Unexpected exception, exiting abnormally\nINFO bye\n',
      '2025 - ERROR [main] - Unexpected exception, exiting abnormally',
    ],
    [
      'a shell error from the launch script',
      'ZooKeeper JMX enabled by default\n/opt/zk/bin/zkEnv.sh: line 3: /usr/bin/java: No such file or directory\n',
      '/opt/zk/bin/zkEnv.sh: line 3: /usr/bin/java: No such file or directory',
    ],
    [
      'the JVM cannot find its main class',
      'Error: Could not find or load main class org.apache.zookeeper.server.quorum.QuorumPeerMain\n',
      'Error: Could not find or load main class org.apache.zookeeper.server.quorum.QuorumPeerMain',
    ],
    ['no failure named → the last line', 'Using config: /d/zk/1/conf/zoo.cfg\nstarting\n', 'starting'],
  ])('%s', (_scenario, tail, cause) => {
    expect(pickCrashCause(tail)).toBe(cause);
  });

  it('long lines are cut', () => {
    expect(pickCrashCause(`ERROR ${'x'.repeat(400)}`)).toHaveLength(301);
  });

  it('reads only the tail and drops a partial first line; the service log wins over the captured output; stale logs are ignored', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-cause-'));
    try {
      const own = path.join(dir, 'zookeeper.log');
      const out = path.join(dir, 'zookeeper.out');
      fs.writeFileSync(own, `${'a'.repeat(100)}\nline two\nERROR [main] - Unable to load database on disk\n`);
      fs.writeFileSync(out, 'ZooKeeper JMX enabled by default\nUsing config: /x\n');
      expect(await readTail(own, 60)).toBe('line two\nERROR [main] - Unable to load database on disk\n');
      expect(await findCrashCause([own, out], Date.now() - 60_000)).toEqual({
        file: own,
        line: 'ERROR [main] - Unable to load database on disk',
        names: true,
      });
      const old = new Date(Date.now() - 3600_000);
      fs.utimesSync(own, old, old);
      expect(await findCrashCause([own, out], Date.now() - 60_000)).toEqual({
        file: out,
        line: 'Using config: /x',
        names: false,
      });
      expect(await findCrashCause([path.join(dir, 'missing.log')], 0)).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('failure log tail: at most 20 lines and 4 KiB', () => {
  const numbered = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join('\n');
  it.each<[string, string, string[]]>([
    ['empty → nothing', '\n\n', []],
    ['short log → every line, blank lines at the ends dropped', '\na\r\nb\n\n', ['a', 'b']],
    ['30 lines → the last 20, oldest first', numbered(30), numbered(30).split('\n').slice(10)],
    [
      // Recorded from kafka-storage.sh format (Kafka 3.9) over a log dir formatted for node 1.
      'a Java trace → the exception line kept, its frames folded',
      [
        'Exception in thread "main" java.lang.RuntimeException: Stored node id 1 doesn\'t match previous node id 7 in /d/meta.properties.',
        '\tat org.apache.kafka.metadata.properties.MetaPropertiesEnsemble.verify(MetaPropertiesEnsemble.java:510)',
        '\tat kafka.tools.StorageTool$.formatCommand(StorageTool.scala:431)',
        'Caused by: java.io.IOException: x',
        '\t... 2 more',
      ].join('\n'),
      [
        'Exception in thread "main" java.lang.RuntimeException: Stored node id 1 doesn\'t match previous node id 7 in /d/meta.properties.',
        '    … 2 stack frames',
        'Caused by: java.io.IOException: x',
        '    … 1 stack frame',
      ],
    ],
  ])('%s', (_n, text, lines) => expect(tailLines(text)).toEqual(lines));

  it('lines that together pass 4 KiB → as many of the last as fit', () => {
    const lines = tailLines(Array.from({ length: 10 }, (_, i) => `${i}`.repeat(1000)).join('\n'));
    expect(lines).toEqual(['6', '7', '8', '9'].map((c) => c.repeat(1000)));
    expect(Buffer.byteLength(lines.join('\n'))).toBeLessThanOrEqual(4096);
  });

  it('one line longer than 4 KiB → its end, behind …, never a split character', () => {
    const [line] = tailLines('x\n' + 'é'.repeat(3000) + 'END');
    expect(line?.startsWith('…é')).toBe(true);
    expect(line?.endsWith('END')).toBe(true);
    expect(Buffer.byteLength(line!)).toBeLessThanOrEqual(4096);
  });

  it("reads the crash cause's file, else the first log written since the start", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-tail-'));
    try {
      const [own, out] = [path.join(dir, 'zk.log'), path.join(dir, 'zk.out')];
      fs.writeFileSync(out, 'Invalid config, exiting abnormally\n');
      expect(await readFailureLog([own, out], Date.now() - 60_000)).toEqual({
        file: out,
        lines: ['Invalid config, exiting abnormally'],
      });
      fs.writeFileSync(own, 'ERROR boom\n');
      expect(await readFailureLog([own, out], Date.now() - 60_000, out)).toMatchObject({ file: out });
      expect(await readFailureLog([own, out], Date.now() - 60_000)).toMatchObject({ file: own });
      // Written before the start: stale, not this failure's.
      expect(await readFailureLog([own, out], Date.now() + 60_000)).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
