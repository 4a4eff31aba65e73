/**
 * The Storm version the emulator reports (NimbusSummary.version, SupervisorInfo.version, UI
 * `stormVersion`, `storm version`): the release hactl assembles and runs for real
 * (distributions/storm), whose znodes and `storm list` output the conformance tests compare with.
 * service-facts is written against v2.8.8; nothing the emulator does differs between the two.
 */
export const STORM_VERSION = '2.8.3';

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
