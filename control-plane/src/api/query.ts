import { ValidationError } from '@hactl/shared';

/**
 * A boolean query parameter (`?dryRun`, `?dryRun=true|1`, `=false|0`); absent is false.
 * @throws ValidationError for any other value, naming the parameter.
 */
export function flag(v: string | undefined, name: string): boolean {
  if (v === undefined || v === '' || v === 'true' || v === '1') return v !== undefined;
  if (v === 'false' || v === '0') return false;
  throw new ValidationError('invalid query', [{ path: name, message: 'must be true or false' }]);
}
