import { HactlError } from '@hactl/shared';
import { ConnectError, UsageError } from './errors.js';
import { renderError } from './output.js';

/** Exit codes: 0 done, 1 the operation failed (server, network, input), 2 the command line is wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/**
 * The stderr text and exit code for an error thrown by a command. `context` prefixes the message
 * ("applying cluster/zk-main: ..."). Errors that are not ours are bugs or surprises: shown with their
 * message rather than a stack, still exit 1.
 */
export function renderFailure(err: unknown, context?: string): { text: string; exitCode: number } {
  const prefix = context ? `${context}: ` : '';
  if (err instanceof ConnectError) {
    return {
      text:
        renderError(prefix + err.message) +
        'hint: is the control plane running there? Point hactl at it with --server URL or the HACTL_SERVER environment variable.\n',
      exitCode: EXIT_FAILED,
    };
  }
  if (err instanceof UsageError) return { text: renderError(prefix + err.message), exitCode: EXIT_USAGE };
  if (err instanceof HactlError) return { text: renderError(prefix + err.message, err.details), exitCode: EXIT_FAILED };
  const message = err instanceof Error ? err.message : String(err);
  return { text: renderError(prefix + message), exitCode: EXIT_FAILED };
}
