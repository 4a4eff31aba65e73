import fs from 'node:fs/promises';
import type { PackageInputs, ProcessPlan } from '@hactl/shared';

/**
 * The marker `ensureDistribution` (files/distribution.ts) writes into a package directory after the
 * tarball's SHA-512 matched and it was unpacked; its content is the digest.
 */
const PACKAGE_MARKER = '.hactl-sha512';

/** What a launch needs on this host: the plan's command and files, pre-start commands, a package. */
export interface LaunchNeeds {
  plan: Pick<ProcessPlan, 'command' | 'requiredPaths'>;
  preStart: readonly { command: string }[];
  package?: PackageInputs | undefined;
}

export interface LaunchCheck {
  ok: boolean;
  /** One line per problem, naming the path: "…/bin/zkServer.sh does not exist". Empty when ok. */
  problems: string[];
  /** A package that is not downloaded yet (not a problem before the revision is applied). */
  packageMissing: boolean;
}

/**
 * Checks, without changing anything, that an instance could be started on this host now: the
 * package (if any) is downloaded and verified, the launch command and every pre-start command are
 * executable files, and the files the plan names exist. The agent runs this before it stops a
 * running process for a restart or upgrade, so a distribution that is not there leaves the old
 * process running instead of turning a restart into a crash loop (`spawn … ENOENT`); `hactl apply
 * --dry-run` runs the same check on every affected host.
 */
export async function checkLaunch(needs: LaunchNeeds): Promise<LaunchCheck> {
  const problems: string[] = [];
  let packageMissing = false;
  if (needs.package) {
    const marker = await fs.readFile(`${needs.package.dir}/${PACKAGE_MARKER}`, 'utf8').catch(() => '');
    if (marker.trim() !== needs.package.sha512) {
      packageMissing = true;
      problems.push(`package ${needs.package.url} is not downloaded and verified in ${needs.package.dir}`);
      // The command lives inside the package dir: nothing more to say until it is there.
      return { ok: false, problems, packageMissing };
    }
  }
  const commands = [needs.plan.command, ...needs.preStart.map((c) => c.command)];
  for (const c of [...new Set(commands)]) {
    const p = await executableProblem(c);
    if (p) problems.push(p);
  }
  for (const path of needs.plan.requiredPaths ?? []) {
    const st = await fs.stat(path).catch((err: NodeJS.ErrnoException) => err);
    if (st instanceof Error)
      problems.push(
        `${path} ${st.code === 'ENOENT' ? 'does not exist' : `is not readable (${st.code ?? st.message})`}`,
      );
  }
  return { ok: problems.length === 0, problems, packageMissing };
}

async function executableProblem(path: string): Promise<string | undefined> {
  const st = await fs.stat(path).catch((err: NodeJS.ErrnoException) => err);
  if (st instanceof Error)
    return `${path} ${st.code === 'ENOENT' ? 'does not exist' : `cannot be read (${st.code ?? st.message})`}`;
  if (!st.isFile()) return `${path} is not a file`;
  // Any execute bit: the agent may run as root, for which access(X_OK) only asks for one.
  if ((st.mode & 0o111) === 0) return `${path} is not executable`;
  return undefined;
}
