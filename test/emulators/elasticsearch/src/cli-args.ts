/**
 * `bin/elasticsearch` options (ServerCli): `-E key=value` (repeatable, also `-Ekey=value`),
 * `-d/--daemonize`, `-p/--pidfile <file>`, `-q/--quiet`, `-s/--silent`, `-v/--verbose`,
 * `-V/--version`, `-h/--help`. Pure.
 */
export interface CliArgs {
  settings: string[];
  daemonize: boolean;
  pidfile: string | undefined;
  quiet: boolean;
  version: boolean;
  help: boolean;
}

export class CliError extends Error {}

export function parseCliArgs(argv: readonly string[]): CliArgs {
  const out: CliArgs = { settings: [], daemonize: false, pidfile: undefined, quiet: false, version: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new CliError(`Option ${a} requires an argument`);
      return v;
    };
    if (a === '-E') out.settings.push(next());
    else if (a.startsWith('-E')) out.settings.push(a.slice(2));
    else if (a === '-d' || a === '--daemonize') out.daemonize = true;
    else if (a === '-p' || a === '--pidfile') out.pidfile = next();
    else if (a.startsWith('--pidfile=')) out.pidfile = a.slice('--pidfile='.length);
    else if (a === '-q' || a === '--quiet') out.quiet = true;
    else if (a === '-s' || a === '--silent' || a === '-v' || a === '--verbose') continue;
    else if (a === '-V' || a === '--version') out.version = true;
    else if (a === '-h' || a === '--help') out.help = true;
    else throw new CliError(`Positional arguments not allowed, found [${a}]`);
  }
  for (const s of out.settings) {
    if (!s.includes('=') || s.startsWith('=')) throw new CliError(`setting [${s}] must be in the form of key=value`);
  }
  return out;
}
