export * from './errors.js';
export * from './logger.js';
export * from './domain.js';
export * from './config-values.js';
export * from './backoff.js';
export * from './listen.js';
export * from './services/types.js';
export * from './services/registry.js';
export * as zookeeper from './services/zookeeper/index.js';
