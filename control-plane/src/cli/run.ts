import { Command, CommanderError, Option } from 'commander';
import { createApiClient, DEFAULT_SERVER, resolveConnection } from './client.js';
import type { ApplyFlags } from './commands/apply.js';
import type { CommandContext, OutputFlags } from './commands/context.js';
import type { RolloutStartFlags } from './commands/rollout.js';
import type { RolloutChoiceFlags } from './commands/rollout-choices.js';
import type { FailoverFlags } from './commands/failover.js';
import type { ExecFlags } from './commands/exec.js';
import type { LogsFlags } from './commands/logs.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, renderFailure } from './failure.js';
import type { CliIo } from './io.js';
import { OUTPUT_FORMATS } from './output.js';
import { CLI_VERSION } from './version.js';

export type { CliIo } from './io.js';

interface GlobalFlags {
  server?: string;
  token?: string;
  ca?: string;
}

/*
 * Startup cost: every hactl call is a new process, so only commander and this file load up front;
 * each command's module (and the YAML library, only for YAML) loads when that command runs, the
 * shared package is imported only for its error classes (`@hactl/shared/errors`, not the schemas of
 * every service kind), and HTTP goes through node:http (http.ts). Median of 21 alternating runs
 * against a lab control plane on the shared 2-core machine: `get clusters` 715 ms → 215 ms,
 * `version` 281 ms → 116 ms.
 */

/**
 * Runs one hactl invocation and returns its exit code (0 ok, 1 failed, 2 usage). `argv` is the
 * arguments after the program name. A fresh commander program per call: commander keeps parse state
 * on the instance, and tests call this many times in one process.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram(
    io,
    (code) => {
      exitCode = code;
    },
    argv,
  );
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version exit 0; every other commander error is a usage error, already printed.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const f = renderFailure(err);
    io.stderr(f.text);
    return f.exitCode === EXIT_OK ? EXIT_FAILED : f.exitCode;
  }
}

function outputOption(): Option {
  return new Option(
    '-o, --output <format>',
    'output format (wide adds columns; json/yaml print the raw API response)',
  )
    .choices(OUTPUT_FORMATS)
    .default('table');
}

function buildProgram(io: CliIo, setExit: (code: number) => void, argv: readonly string[]): Command {
  const program = new Command('hactl');
  // exitOverride/configureOutput are copied to subcommands created afterwards, so set them first:
  // commander must never call process.exit or write to process streams itself.
  program
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .showHelpAfterError('(add --help for usage)')
    .description(
      'Operate ZooKeeper, Kafka, Storm and Elasticsearch clusters through the hactl control plane.',
    )
    .version(CLI_VERSION, '--version', 'print the hactl version')
    .option(
      '--server <url>',
      `control plane URL, or the replicas' URLs comma-separated (env HACTL_SERVER, default ${DEFAULT_SERVER})`,
    )
    .option('--token <token>', 'API token sent as a bearer token (env HACTL_TOKEN)')
    .option('--ca <file>', "the control plane's CA certificate, its <data-dir>/ca.pem (env HACTL_CA)");

  const context = (cmd: Command): CommandContext => {
    const g = cmd.optsWithGlobals<GlobalFlags>();
    const conn = resolveConnection({ server: g.server, token: g.token, ca: g.ca }, io.env);
    const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
    return { io, client: createApiClient(io, conn), color: io.isTty && !noColor };
  };
  const act = async (run: () => Promise<number>): Promise<void> => setExit(await run());

  const get = program
    .command('get')
    .description('list resources')
    .showHelpAfterError('(hactl get clusters [NAME...] or hactl get hosts [NAME...]; add --help for usage)');
  get
    .command('hosts')
    .alias('host')
    .argument('[names...]', 'only these hosts')
    .description('list hosts with their agent connection and generation (GET /v1/hosts)')
    .addOption(outputOption())
    .action((names: string[], flags: OutputFlags, cmd: Command) =>
      act(async () => (await import('./commands/get.js')).runGetHosts(context(cmd), flags, names)),
    );
  get
    .command('clusters')
    .alias('cluster')
    .argument('[names...]', 'only these clusters')
    .description('list clusters with their health (GET /v1/clusters)')
    .addOption(outputOption())
    .action((names: string[], flags: OutputFlags, cmd: Command) =>
      act(async () => (await import('./commands/get.js')).runGetClusters(context(cmd), flags, names)),
    );

  // `hactl describe kafka-main` (the resource type left out) said only "unknown command 'kafka-main'".
  const describe = program
    .command('describe')
    .description('show one resource in detail')
    .showHelpAfterError('(hactl describe cluster NAME; add --help for usage)');
  describe
    .command('cluster')
    .alias('clusters')
    .argument('<name>', 'cluster name')
    .description('show a cluster and the state of each member (GET /v1/clusters/NAME)')
    .addOption(outputOption())
    .action((name: string, flags: OutputFlags, cmd: Command) =>
      act(async () => (await import('./commands/describe.js')).runDescribeCluster(context(cmd), name, flags)),
    );

  program
    .command('apply')
    .description(
      'create or update clusters from YAML/JSON spec files (every document checked, then all stored or none: POST /v1/apply)',
    )
    .requiredOption(
      '-f, --file <path>',
      'spec file, "-" for stdin; repeatable; "---" separates documents',
      (v: string, prev?: string[]) => [...(prev ?? []), v],
    )
    .option(
      '--dry-run',
      'ask the control plane what would change (instances, file diffs, restart order); stores nothing',
    )
    .option(
      '--no-rollout',
      'store the new revision but do not start the rolling restart (members show "restart pending")',
    )
    .option(
      '--force-removal',
      'a membership change stops removed members even when they still hold data (a Kafka broker with partition replicas)',
    )
    .option('-m, --message <text>', 'why: stored with each new revision (hactl history)')
    .option(
      '--gate-timeout <sec>',
      "how long one step of the apply's rollout may wait for its gates (default 600)",
    )
    .addOption(
      new Option(
        '--on-gate-timeout <what>',
        'pause, abort, or roll the changed members back to the previous revision (a membership change only pauses)',
      ).choices(['pause', 'abort', 'rollback']),
    )
    .option('--pause-between <sec>', "extra wait after each member of the apply's rollout")
    .addHelpText(
      'after',
      '\nAll files are read and every document parsed before anything is sent; any problem in any document is\n' +
        'reported and nothing is sent. The control plane then checks every document (against the fleet and the\n' +
        'documents before it) and stores all of them or none.',
    )
    .action((flags: ApplyFlags, cmd: Command) =>
      act(async () => (await import('./commands/apply.js')).runApply(context(cmd), flags)),
    );

  program
    .command('history')
    .argument('<cluster>', 'cluster name')
    .description("list a cluster's revisions (GET /v1/clusters/NAME/revisions)")
    .addOption(outputOption())
    .action((cluster: string, flags: OutputFlags, cmd: Command) =>
      act(async () => (await import('./commands/revisions.js')).runHistory(context(cmd), cluster, flags)),
    );

  program
    .command('diff')
    .argument('<cluster>', 'cluster name')
    .option('--from <n>', 'older revision (default: the one before --to)')
    .option('--to <n>', 'newer revision (default: the current one)')
    .description('spec diff and rendered config-file diffs per member between two revisions')
    .addOption(outputOption())
    .action((cluster: string, flags: { from?: string; to?: string } & OutputFlags, cmd: Command) =>
      act(async () => (await import('./commands/revisions.js')).runDiff(context(cmd), cluster, flags)),
    );

  program
    .command('rollback')
    .argument('<cluster>', 'cluster name')
    .requiredOption('--to <n>', 'revision whose spec becomes current again')
    .option('-m, --message <text>', 'why: stored with the new revision (hactl history)')
    .option(
      '--gate-timeout <sec>',
      "how long one step of the rollback's rollout may wait for its gates (default 600)",
    )
    .addOption(
      new Option(
        '--on-gate-timeout <what>',
        "pause or abort the rollback's rollout when a step times out",
      ).choices(['pause', 'abort']),
    )
    .option('--pause-between <sec>', "extra wait after each member of the rollback's rollout")
    .description(
      "make an earlier revision's spec current (as a new revision) and roll it out safely; refused while a rollout runs",
    )
    .action((cluster: string, flags: { to: string; message?: string } & RolloutChoiceFlags, cmd: Command) =>
      act(async () => (await import('./commands/revisions.js')).runRollback(context(cmd), cluster, flags)),
    );

  const rollout = program
    .command('rollout')
    .description('rolling restarts: one member at a time, gated, leader last');
  rollout
    .command('start')
    .argument('<cluster>', 'cluster name')
    .addOption(
      new Option('--action <action>', 'restart | apply | upgrade')
        .choices(['restart', 'apply', 'upgrade'])
        .default('restart'),
    )
    .option('--gate-timeout <sec>', 'how long one step may wait for its gates (default 600)')
    .addOption(
      new Option(
        '--on-gate-timeout <what>',
        'pause, abort, or roll the changed members back to the previous revision',
      ).choices(['pause', 'abort', 'rollback']),
    )
    .option('--pause-between <sec>', 'extra wait after each member')
    .option('-w, --wait', 'follow the rollout until it ends')
    .description('start a rolling restart (POST /v1/clusters/NAME/rollouts)')
    .action((cluster: string, flags: RolloutStartFlags, cmd: Command) =>
      act(async () => (await import('./commands/rollout.js')).runRolloutStart(context(cmd), cluster, flags)),
    );
  rollout
    .command('status')
    .argument('[id]', "rollout id (default: the cluster's latest, with --cluster)")
    .option('--cluster <name>', 'show the latest rollout of this cluster')
    .option('-w, --watch', 'follow progress live: current step, gate and why, elapsed per step')
    .addOption(outputOption())
    .description('show a rollout (GET /v1/rollouts/ID)')
    .action(
      (id: string | undefined, flags: { cluster?: string; watch?: boolean } & OutputFlags, cmd: Command) =>
        act(async () => (await import('./commands/rollout.js')).runRolloutStatus(context(cmd), id, flags)),
    );
  for (const verb of ['pause', 'resume', 'abort'] as const) {
    const c = rollout
      .command(verb)
      .argument('<id>', 'rollout id')
      .description(`${verb} a rollout (POST /v1/rollouts/ID/${verb})`);
    if (verb === 'resume')
      c.option(
        '--force-removal',
        'a membership procedure stops its removed members even when they still hold data (Kafka replicas)',
      );
    c.action((id: string, flags: { forceRemoval?: boolean }, cmd: Command) =>
      act(async () => (await import('./commands/rollout.js')).runRolloutVerb(context(cmd), id, verb, flags)),
    );
  }

  const failover = program
    .command('failover')
    .argument('<cluster>', 'a Storm cluster with failover: manual')
    .option('--to <host>', 'the nimbus host to make active (default: the next nimbus host that reports)')
    .option('--reason <text>', 'why: recorded with the failover and its events')
    .option('-w, --wait', 'follow the failover until it ends')
    .description(
      'move the active nimbus: fence the old one, promote the standby, re-point supervisors and UI (POST /v1/clusters/NAME/failover)',
    )
    .action((cluster: string, flags: FailoverFlags, cmd: Command) =>
      act(async () => (await import('./commands/failover.js')).runFailover(context(cmd), cluster, flags)),
    );
  failover
    .command('status')
    .argument('<id>', 'failover id')
    .option('-w, --watch', 'follow it until it ends')
    .addOption(outputOption())
    .description('show a failover and its steps (GET /v1/failovers/ID)')
    .action((id: string, flags: { watch?: boolean } & OutputFlags, cmd: Command) =>
      act(async () => (await import('./commands/failover.js')).runFailoverStatus(context(cmd), id, flags)),
    );

  // Named member actions (issue 13): restart, stop, start, files MEMBER; status HOST.
  program
    .command('restart')
    .argument('<member>', 'CLUSTER/MEMBER, e.g. kafka-main/kafka-2')
    .option('--reason <text>', 'why (recorded in the event)')
    .option('--wait', 'follow the restart to its end (as hactl rollout status --watch)')
    .description('restart one member through the restart-lease gates (a one-step rollout)')
    .action((member: string, flags: { reason?: string; wait?: boolean }, cmd: Command) =>
      act(async () => (await import('./commands/member.js')).runMemberRestart(context(cmd), member, flags)),
    );
  program
    .command('stop')
    .argument('<member>', 'CLUSTER/MEMBER')
    .option('--force', 'stop although the stop gates refuse (needs --reason)')
    .option('--reason <text>', 'why (required with --force; recorded in the event)')
    .option('--wait', 'follow the stop to its end')
    .description('stop one member and keep it stopped; refused when the cluster cannot lose it')
    .action((member: string, flags: { reason?: string; force?: boolean; wait?: boolean }, cmd: Command) =>
      act(async () => (await import('./commands/member.js')).runMemberStop(context(cmd), member, flags)),
    );
  program
    .command('start')
    .argument('<member>', 'CLUSTER/MEMBER')
    .option('--reason <text>', 'why (recorded in the event)')
    .description('start a member stopped with hactl stop')
    .action((member: string, flags: { reason?: string }, cmd: Command) =>
      act(async () => (await import('./commands/member.js')).runMemberStart(context(cmd), member, flags)),
    );
  program
    .command('files')
    .argument('<member>', 'CLUSTER/MEMBER')
    .addOption(outputOption())
    .description(
      "a member's rendered files on its host and their drift from the desired state (exit 1 on drift)",
    )
    .action((member: string, flags: OutputFlags, cmd: Command) =>
      act(async () => (await import('./commands/files.js')).runFiles(context(cmd), member, flags)),
    );
  program
    .command('status')
    .argument('<host>', 'host name or id')
    .addOption(outputOption())
    .description("a host's instances: processes, pids, uptimes, last probes")
    .action((host: string, flags: OutputFlags, cmd: Command) =>
      act(async () => (await import('./commands/status.js')).runHostStatus(context(cmd), host, flags)),
    );

  const del = program.command('delete').description('delete resources');
  del
    .command('cluster')
    .argument('<name>', 'cluster name')
    .option(
      '--yes',
      'really delete: stop every member and forget the cluster (without it, only show what would happen)',
    )
    .option('--dry-run', 'show what would be stopped and what stays on disk; delete nothing')
    .description('delete a cluster (DELETE /v1/clusters/NAME); its data, logs and config stay on the hosts')
    .action((name: string, flags: { yes?: boolean; dryRun?: boolean }, cmd: Command) =>
      act(async () => (await import('./commands/delete.js')).runDeleteCluster(context(cmd), name, flags)),
    );

  del
    .command('host')
    .argument('<name>', 'host name')
    .option('--yes', 'really delete: disconnect the agent and revoke its certificate')
    .description('delete a host no cluster uses (DELETE /v1/hosts/NAME); its certificate is revoked')
    .action((name: string, flags: { yes?: boolean }, cmd: Command) =>
      act(async () => (await import('./commands/trust.js')).runDeleteHost(context(cmd), name, flags)),
    );

  const token = program.command('token').description('enrollment and API tokens');
  token
    .command('create')
    .description('make a join token for enrolling agents (POST /v1/tokens); prints the token')
    .option('--ttl <duration>', 'how long it is valid: 90s, 30m, 1h, 7d', '1h')
    .option('--uses <n>', 'how many agents may enroll with it', '1')
    .option('--hosts <pattern>', 'host names it may enroll, * matches any run of characters', '*')
    .option('--api <name>', 'make an API token with this name instead (needs --scopes)')
    .option('--scopes <list>', 'API token scopes: read, write, exec, admin (comma-separated)')
    .action(
      (flags: { ttl: string; uses: string; hosts: string; api?: string; scopes?: string }, cmd: Command) =>
        act(async () => (await import('./commands/trust.js')).runTokenCreate(context(cmd), flags)),
    );

  program
    .command('install-command')
    .description(
      'print the one-line curl … | sh that installs and enrolls an agent (fresh token, CA fingerprint)',
    )
    .requiredOption('--name <name>', "the server's host name in the fleet")
    .requiredOption('--address <ip>', 'the address the server owns; services bind and advertise it')
    .option(
      '--label <k=v>',
      'host label (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .action((flags: { name: string; address: string; label: string[] }, cmd: Command) =>
      act(async () => (await import('./commands/trust.js')).runInstallCommand(context(cmd), flags)),
    );

  // Remote commands and logs (issue 13): hactl exec, hactl logs [-f].
  program
    .command('logs')
    .argument(
      '<cluster/member>',
      'CLUSTER/MEMBER, or CLUSTER then MEMBER; MEMBER: host name, member id, or name (zk-1)',
    )
    .argument('[member]', 'the member, when the cluster is given alone')
    .option('--out', "the captured stdout/stderr (<member>/logs/*.out) instead of the service's own log")
    .option('-n, --lines <n>', 'how many lines from the end', '100')
    .option('-f, --follow', 'keep following the log as it grows, across rotation, until Ctrl-C')
    .option('--tail <n>', 'with -f: lines from the end to show first (default 10)')
    .option('--since <duration>', 'with -f: of those, only lines stamped within this long (10m, 1h)')
    .description(
      "a member's log, read by its agent (GET /v1/clusters/NAME/members/MEMBER/logs; -f: …/logs/follow)",
    )
    .action((first: string, second: string | undefined, flags: LogsFlags, cmd: Command) =>
      act(async () =>
        (await import('./commands/logs.js')).runLogsCommand(context(cmd), first, second, flags),
      ),
    );
  program
    .command('exec')
    .argument('[target]', 'a host, or CLUSTER/MEMBER; or use --cluster / --label')
    .argument('[command...]', 'after --: the program and its arguments')
    .option('--cluster <name>', 'every host of this cluster')
    .option('--role <role>', 'with --cluster: only members with this role')
    .option(
      '--label <k=v>',
      'hosts carrying this label (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--parallel <n>', 'hosts running it at once (default 10)')
    .option('--timeout <duration>', 'kill it (with its children) after this long: 30s, 5m (default 5m)')
    .option('--shell', 'run the words after -- as one /bin/sh -c script (default: argv, no shell)')
    // No -h: in `hactl exec kafka1 df -h` (the `--` forgotten) it printed this help and exited 0,
    // so a script took a command that never ran for a success. Now it is an unknown option, exit 2.
    .helpOption('--help', 'display help for command')
    .showHelpAfterError(
      '(the command and its arguments go after --, e.g. hactl exec kafka1 -- df -h /; add --help for usage)',
    )
    .description(
      'run a command on hosts whose agents allow it (--allow-exec); needs a token with the exec scope (POST /v1/commands)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  hactl exec kafka1 -- df -h /\n  hactl exec --cluster kafka-main -- uptime\n' +
        '  hactl exec --label rack=r1 --shell -- "ls /var/log | wc -l"\n\nOutput lines carry a "host | " prefix; a table of exit codes follows. ' +
        'Exit 0 when every host exited 0, 1\notherwise, 130 after Ctrl-C (which cancels the remote command).',
    )
    .action((_t: string | undefined, _c: string[], flags: ExecFlags, cmd: Command) => {
      // Words after `--` are the command, the ones before it the target: commander merges both.
      const dash = argv.indexOf('--');
      const after = dash < 0 ? 0 : argv.length - dash - 1;
      const words = cmd.args;
      return act(async () =>
        (await import('./commands/exec.js')).runExec(
          context(cmd),
          words.slice(0, words.length - after),
          words.slice(words.length - after),
          flags,
        ),
      );
    });

  program
    .command('schema')
    .argument('<kind>', 'zookeeper, kafka, storm or elasticsearch')
    .description("print the JSON Schema of KIND's cluster spec, for editors' YAML support (no server needed)")
    .action((kind: string) => act(async () => (await import('./commands/schema.js')).runSchema(io, kind)));

  program
    .command('version')
    .description('print the hactl version')
    .action(() => {
      io.stdout(`hactl ${CLI_VERSION}\n`);
      setExit(EXIT_OK);
    });

  return program;
}
