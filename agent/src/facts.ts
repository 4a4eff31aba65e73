import os from 'node:os';
import { execFile } from 'node:child_process';

export interface HostFactsView {
  hostname: string;
  os: string;
  kernel: string;
  cpus: number;
  memoryBytes: number;
  javaVersion: string;
  nodeVersion: string;
}

/** Java's version line, or '' when there is no java on PATH. */
function javaVersion(): Promise<string> {
  return new Promise((resolve) => {
    execFile('java', ['-version'], { timeout: 5000 }, (err, _stdout, stderr) => {
      if (err) return resolve('');
      resolve(/version "([^"]+)"/.exec(stderr)?.[1] ?? '');
    });
  });
}

export async function collectFacts(): Promise<HostFactsView> {
  return {
    hostname: os.hostname(),
    os: `${os.type()} ${os.platform()} ${os.arch()}`,
    kernel: os.release(),
    cpus: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    javaVersion: await javaVersion(),
    nodeVersion: process.version,
  };
}
