export { type CreateMetricsOptions, createMetrics, type JobKind, METRIC_PREFIX, safeLabel, type WorkerMetrics } from './metrics.js';
export {
  type ComponentHealth,
  type HealthCheck,
  type HealthReport,
  healthReport,
  type MetricsServer,
  type MetricsServerOptions,
  startMetricsServer,
} from './server.js';
