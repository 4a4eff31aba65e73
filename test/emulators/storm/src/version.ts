/**
 * The Storm version the emulator reports (NimbusSummary.version, SupervisorInfo.version, UI
 * `stormVersion`, `storm version`). service-facts is written against v2.8.8.
 */
export const STORM_VERSION = '2.8.8';

/** VersionInfo fields; revision, date and checksum are placeholders: there is no real build. */
export const STORM_VERSION_INFO = {
  version: STORM_VERSION,
  revision: 'emulator',
  branch: '(no branch)',
  date: '1970-01-01T00:00Z',
  user: 'hactl-emulator',
  url: 'https://gitbox.apache.org/repos/asf/storm.git',
  srcChecksum: 'emulator',
} as const;

/** `storm version` (VersionInfo.main). */
export function renderVersion(): string {
  const v = STORM_VERSION_INFO;
  return [
    `Storm ${v.version}`,
    `URL ${v.url} -r ${v.revision}`,
    `Branch ${v.branch}`,
    `Compiled by ${v.user} on ${v.date}`,
    `From source with checksum ${v.srcChecksum}`,
    '',
  ].join('\n');
}
