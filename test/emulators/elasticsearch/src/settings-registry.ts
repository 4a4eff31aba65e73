/**
 * Node settings the emulator accepts in elasticsearch.yml / `-E`. Real ES rejects any key that no
 * registered Setting matches ("unknown setting [x] ..."); the list below is the subset of ES 8.x's
 * registered node settings that hactl could plausibly render, so an unexpected key fails here as it
 * would on a real node. Keys marked (honoured) change emulator behaviour; the rest are accepted and
 * ignored. Grouped affix settings are matched by prefix.
 */
export const KNOWN_SETTINGS: readonly string[] = [
  // identity and roles (honoured)
  'cluster.name', 'node.name', 'node.roles', 'node.id.seed', 'node.processors', 'node.portsfile', 'node.store.allow_mmap',
  'node.enable_lucene_segment_infos_trace',
  // paths (path.data, path.logs honoured)
  'path.home', 'path.data', 'path.logs', 'path.repo', 'path.shared_data',
  // network (honoured)
  'network.host', 'network.bind_host', 'network.publish_host', 'network.tcp.keep_alive', 'network.tcp.no_delay',
  'network.tcp.reuse_address', 'network.tcp.send_buffer_size', 'network.tcp.receive_buffer_size',
  'http.port', 'http.host', 'http.bind_host', 'http.publish_host', 'http.publish_port', 'http.max_content_length',
  'http.compression', 'http.cors.enabled', 'http.cors.allow-origin', 'http.cors.allow-headers', 'http.cors.allow-methods',
  'http.cors.allow-credentials', 'http.max_initial_line_length', 'http.max_header_size', 'http.detailed_errors.enabled',
  'http.type', 'http.tcp.keep_alive', 'http.tcp.no_delay',
  'transport.port', 'transport.host', 'transport.bind_host', 'transport.publish_host', 'transport.publish_port',
  'transport.compress', 'transport.ping_schedule', 'transport.connect_timeout', 'transport.type', 'transport.tcp.keep_alive',
  // discovery and formation (honoured)
  'discovery.seed_hosts', 'discovery.seed_providers', 'discovery.type', 'discovery.find_peers_interval',
  'discovery.probe.connect_timeout', 'discovery.probe.handshake_timeout', 'discovery.request_peers_timeout',
  'discovery.cluster_formation_warning_timeout', 'discovery.seed_resolver.max_concurrent_resolvers',
  'discovery.seed_resolver.timeout',
  'cluster.initial_master_nodes', 'cluster.auto_shrink_voting_configuration', 'cluster.election.back_off_time',
  'cluster.election.duration', 'cluster.election.initial_timeout', 'cluster.election.max_timeout',
  'cluster.fault_detection.follower_check.interval', 'cluster.fault_detection.follower_check.retry_count',
  'cluster.fault_detection.follower_check.timeout', 'cluster.fault_detection.leader_check.interval',
  'cluster.fault_detection.leader_check.retry_count', 'cluster.fault_detection.leader_check.timeout',
  'cluster.join.timeout', 'cluster.max_voting_config_exclusions', 'cluster.no_master_block', 'cluster.publish.timeout',
  'cluster.publish.info_timeout', 'cluster.follower_lag.timeout',
  // cluster-level dynamic settings that may also be set in elasticsearch.yml
  'cluster.routing.allocation.enable', 'cluster.routing.rebalance.enable', 'cluster.routing.allocation.allow_rebalance',
  'cluster.routing.allocation.cluster_concurrent_rebalance', 'cluster.routing.allocation.node_concurrent_recoveries',
  'cluster.routing.allocation.node_initial_primaries_recoveries', 'cluster.routing.allocation.same_shard.host',
  'cluster.routing.allocation.awareness.attributes', 'cluster.routing.allocation.disk.threshold_enabled',
  'cluster.routing.allocation.disk.watermark.low', 'cluster.routing.allocation.disk.watermark.high',
  'cluster.routing.allocation.disk.watermark.flood_stage', 'cluster.max_shards_per_node', 'cluster.info.update.interval',
  'cluster.routing.allocation.type', 'cluster.blocks.read_only', 'cluster.blocks.read_only_allow_delete',
  'cluster.indices.close.enable', 'cluster.remote.connect', 'cluster.deprecation_indexing.enabled',
  'action.destructive_requires_name', 'action.auto_create_index',
  'bootstrap.memory_lock', 'bootstrap.system_call_filter', 'bootstrap.ctrlhandler',
  'gateway.expected_data_nodes', 'gateway.recover_after_data_nodes', 'gateway.recover_after_time',
  'indices.memory.index_buffer_size', 'indices.fielddata.cache.size', 'indices.queries.cache.size',
  'indices.requests.cache.size', 'indices.recovery.max_bytes_per_sec', 'indices.breaker.total.limit',
  'indices.breaker.total.use_real_memory', 'indices.breaker.fielddata.limit', 'indices.breaker.request.limit',
  'indices.lifecycle.poll_interval', 'indices.id_field_data.enabled',
  'ingest.geoip.downloader.enabled', 'search.max_buckets', 'search.default_search_timeout', 'search.allow_expensive_queries',
  'script.allowed_types', 'script.allowed_contexts', 'script.max_compilations_rate', 'script.painless.regex.enabled',
  'reindex.remote.whitelist', 'repositories.url.allowed_urls', 'readiness.port', 'stack.templates.enabled',
  'health.node.enabled', 'data_streams.lifecycle.poll_interval', 'ingest.geoip.downloader.eager.download',
  // x-pack switches that are not security
  'xpack.ml.enabled', 'xpack.ml.max_machine_memory_percent', 'xpack.ml.max_open_jobs', 'xpack.monitoring.collection.enabled',
  'xpack.monitoring.templates.enabled', 'xpack.watcher.enabled', 'xpack.graph.enabled', 'xpack.license.self_generated.type',
  'xpack.security.enabled',
];

/** Affix / group settings: any key with one of these prefixes is accepted (xpack.security.* is a large family). */
export const KNOWN_PREFIXES: readonly string[] = [
  'node.attr.',
  'xpack.security.',
  'xpack.notification.',
  'xpack.monitoring.exporters.',
  'thread_pool.',
  'logger.',
  'cluster.remote.',
  'cluster.routing.allocation.include.',
  'cluster.routing.allocation.exclude.',
  'cluster.routing.allocation.require.',
  'cluster.routing.allocation.awareness.force.',
  's3.client.',
  'gcs.client.',
  'azure.client.',
];

/** Dynamic cluster settings `PUT /_cluster/settings` accepts (ClusterSettings, a subset). */
export const DYNAMIC_CLUSTER_SETTINGS: readonly string[] = [
  'cluster.routing.allocation.enable', 'cluster.routing.rebalance.enable', 'cluster.routing.allocation.allow_rebalance',
  'cluster.routing.allocation.cluster_concurrent_rebalance', 'cluster.routing.allocation.node_concurrent_recoveries',
  'cluster.routing.allocation.node_initial_primaries_recoveries', 'cluster.routing.allocation.awareness.attributes',
  'cluster.routing.allocation.disk.threshold_enabled', 'cluster.routing.allocation.disk.watermark.low',
  'cluster.routing.allocation.disk.watermark.high', 'cluster.routing.allocation.disk.watermark.flood_stage',
  'cluster.max_shards_per_node', 'cluster.info.update.interval', 'cluster.blocks.read_only',
  'cluster.blocks.read_only_allow_delete', 'cluster.indices.close.enable', 'cluster.no_master_block',
  'cluster.max_voting_config_exclusions', 'cluster.auto_shrink_voting_configuration', 'cluster.publish.timeout',
  'action.destructive_requires_name', 'action.auto_create_index', 'indices.recovery.max_bytes_per_sec',
  'indices.breaker.total.limit', 'indices.breaker.fielddata.limit', 'indices.breaker.request.limit',
  'indices.lifecycle.poll_interval', 'search.max_buckets', 'search.default_search_timeout',
  'search.allow_expensive_queries', 'script.max_compilations_rate', 'ingest.geoip.downloader.enabled',
  'xpack.monitoring.collection.enabled', 'logger.level',
];

export const DYNAMIC_CLUSTER_PREFIXES: readonly string[] = [
  'cluster.routing.allocation.include.',
  'cluster.routing.allocation.exclude.',
  'cluster.routing.allocation.require.',
  'cluster.routing.allocation.awareness.force.',
  'logger.',
  'cluster.remote.',
];
