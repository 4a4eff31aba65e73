import { HactlError } from '@hactl/shared/errors';
import { ApiError, ConnectError, InputError, UsageError, connectHint } from './errors.js';
import { renderError } from './output.js';

/**
 * Exit codes (README "The CLI"): 0 done; 1 the operation failed (the control plane refused it for
 * the state things are in, 404/409/5xx, or could not be reached); 2 invalid input: the command line,
 * the spec files, or a spec or value the control plane rejects as invalid (HTTP 400). Scripts can
 * tell "fix your input" from "try again / look at the cluster".
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INVALID = 2;

/**
 * The stderr text and exit code for an error thrown by a command. `context` prefixes the message
 * ("applying cluster/zk-main: ..."). Errors that are not ours are bugs or surprises: shown with their
 * message rather than a stack, still exit 1.
 */
export function renderFailure(err: unknown, context?: string): { text: string; exitCode: number } {
  const prefix = context ? `${context}: ` : '';
  if (err instanceof ConnectError) {
    return {
      text: renderError(prefix + err.message) + `hint: ${connectHint(err.cause)}\n`,
      exitCode: EXIT_FAILED,
    };
  }
  if (err instanceof UsageError) return { text: renderError(prefix + err.message), exitCode: EXIT_USAGE };
  if (err instanceof InputError || (err instanceof ApiError && err.status === 400))
    return { text: renderError(prefix + err.message, err.details), exitCode: EXIT_INVALID };
  if (err instanceof ApiError && err.retriable)
    return {
      text:
        renderError(prefix + err.message, err.details) +
        'hint: the control plane says this may succeed later; try the command again.\n',
      exitCode: EXIT_FAILED,
    };
  if (err instanceof HactlError)
    return { text: renderError(prefix + err.message, err.details), exitCode: EXIT_FAILED };
  const message = err instanceof Error ? err.message : String(err);
  return { text: renderError(prefix + message), exitCode: EXIT_FAILED };
}
