export * from './stack.js';
export { isApiKey, signJwt, supabaseKeys } from './jwt.js';
export { freePort, isListening, waitFor } from './ports.js';
export {
  findOrStartRedis,
  pingRedis,
  spawnRedis,
  REDIS_INSTALL_HINT,
  type RedisServer,
} from './redis.js';
export {
  startRedisCluster,
  REDIS_CLUSTER_INSTALL_HINT,
  type ClusterServer,
  type RedisCluster,
} from './redis-cluster.js';
export { startGateway, type Gateway, type GatewayOptions } from './gateway.js';
export { migrate, type MigrateOptions, type MigrationResult } from './migrate.js';
export { applySchemas, schemaFiles, schemaPaths } from './schemas.js';
export { generateDatabaseTypes } from './database-types.js';
export {
  ensureDatabase,
  onStopSignal,
  startEmbeddedPostgres,
  withClient,
  withDatabase,
  type PostgresServer,
} from './postgres.js';
export { ensureSupabaseRoles } from './roles.js';
