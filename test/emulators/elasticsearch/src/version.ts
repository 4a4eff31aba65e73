/**
 * The Elasticsearch release this emulator presents itself as. Values follow the `GET /` body
 * recorded in service-facts.md 4.3 (8.17.3, tar distribution).
 */
export const ES_VERSION = {
  number: '8.17.3',
  build_flavor: 'default',
  build_type: 'tar',
  build_hash: 'a091390de485bd4b127884f7e565c0cad59b10d2',
  build_date: '2025-02-28T10:07:26.089129809Z',
  build_snapshot: false,
  lucene_version: '9.12.0',
  minimum_wire_compatibility_version: '7.17.0',
  minimum_index_compatibility_version: '7.0.0',
} as const;

/** REST API compatibility: a server accepts its own major and the previous one (facts 4.3a). */
export const ES_MAJOR = 8;

export const TAGLINE = 'You Know, for Search';

/** Bundled JDK major, used to evaluate `N:`/`N-:` prefixes in jvm.options. */
export const BUNDLED_JDK_MAJOR = 23;
