// The environment is parsed once, here; the typed Config is passed down.
// process.env is read nowhere else.
import { z } from 'zod';
import type { RetryPolicy } from './broker/broker.js';
import { DRIVERS } from './drivers/registry.js';

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

const ConfigSchema = z.object({
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/nfvo'),
  // one node, or the nodes of a cluster separated by commas: a process uses the first that answers
  AMQP_URL: z
    .string()
    .default('amqp://guest:guest@127.0.0.1:5672')
    .superRefine((value, ctx) => {
      const urls = splitAmqpUrls(value);
      if (!urls.length) ctx.addIssue({ code: 'custom', message: 'no URL given' });
      urls.forEach((u, i) => {
        if (!isAmqpUrl(u)) {
          const which = urls.length > 1 ? `entry ${i + 1} (${redactUrl(u)})` : redactUrl(u);
          ctx.addIssue({ code: 'custom', message: `${which} is not an amqp:// or amqps:// URL` });
        }
      });
    }),
  QUEUE_TYPE: z.enum(['classic', 'quorum']).default('classic'),
  PORT: int(8080).pipe(z.number().max(65535)),
  HOST: z.string().default('0.0.0.0'),
  NFVO_URL: z.string().url().default('http://127.0.0.1:8080'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DRIVER: z
    .string()
    .default('sim')
    .refine((d) => Object.hasOwn(DRIVERS, d), {
      message: `unknown driver; the drivers are ${Object.keys(DRIVERS).join(', ')}`,
    }),
  CONTROLLER_CONCURRENCY: int(32, 1),
  WORKER_CONCURRENCY: int(32, 1),
  DB_POOL_SIZE: int(10, 1),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." and "-" only')
    .default(''),
  LEASE_SECONDS: int(30, 1),
  SWEEP_INTERVAL_MS: int(2000, 50),
  RESYNC_AFTER_SECONDS: int(10, 1),
  OUTBOX_POLL_MS: int(200, 10),
  RETRY_BASE_MS: int(500, 0),
  RETRY_MAX_MS: int(30_000, 0),
  BODY_LIMIT: z.string().default('64kb'),
  STOP_TIMEOUT_MS: int(10_000),
  TASK_EXPIRES_SECONDS: int(3600),
  PUBLISH_MAX_RETRIES: int(3),
  PUBLISH_INTERVAL_START_MS: int(0),
  PUBLISH_INTERVAL_STEP_MS: int(200),
  PUBLISH_INTERVAL_MAX_MS: int(1000),
  OBSERVE_INTERVAL_S: int(60),
  HEARTBEAT_INTERVAL_S: int(5, 1),
  PROCESS_RETENTION_S: int(86_400, 60),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  STUCK_AFTER_S: int(300, 1),
  METRICS_REFRESH_S: int(15, 1),
  SESSION_HOURS: int(12, 1),
  COOKIE_SECURE: z.enum(['true', 'false']).default('false'),
  PACKAGE_STORE: z.enum(['postgres', 'fs']).default('postgres'),
  PACKAGE_DIR: z.string().default(''),
  PACKAGE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(2 * 2 ** 30),
});

export type Config = {
  databaseUrl: string;
  /** The RabbitMQ node, or the nodes of a cluster, comma-separated. */
  amqpUrl: string;
  /** The type of every queue nfvo declares: classic (one node) or quorum (replicated over a cluster). */
  queueType: 'classic' | 'quorum';
  port: number;
  host: string;
  nfvoUrl: string;
  logLevel: z.infer<typeof ConfigSchema>['LOG_LEVEL'];
  /** The NFVI driver, and its own settings (parsed from its own variables). */
  driver: { name: string; settings: unknown };
  controllerConcurrency: number;
  workerConcurrency: number;
  dbPoolSize: number;
  queuePrefix: string;
  leaseSeconds: number;
  sweepIntervalMs: number;
  resyncAfterSeconds: number;
  outboxPollMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  bodyLimit: string;
  /** How long a stopping process waits for in-flight messages before aborting them. */
  stopTimeoutMs: number;
  /** An attempt that reaches a worker this long after it was due is not run (0: never expires). */
  taskExpiresSeconds: number;
  publishRetry: RetryPolicy;
  /** Where packages' content is kept: PostgreSQL (every worker reads it) or a directory every worker shares. */
  packageStore: { kind: 'postgres' } | { kind: 'fs'; dir: string };
  /** The largest package accepted (413 above it). */
  packageMaxBytes: number;
  /** How often a worker compares the live resources with the VIM (drift), in seconds; 0: never. */
  observeIntervalS: number;
  /** How often a process refreshes its record; three missed beats and it is shown offline. */
  heartbeatIntervalS: number;
  /** How long the record of a stopped or silent process is kept. */
  processRetentionS: number;
  /** The port of the controller's and worker's own /metrics (unset: none; the API serves it on its port). */
  metricsPort: number | undefined;
  /** When set, /metrics wants "Authorization: Bearer <METRICS_TOKEN>"; unset, it is open. */
  metricsToken: string | undefined;
  /** How often the API counts resources for the fleet-wide nfvo_resources gauge (a scrape reads that count). */
  metricsRefreshS: number;
  /** A resource away from its spec and unchanged for this long is "stuck". */
  stuckAfterS: number;
  /** How long a console session lasts. */
  sessionHours: number;
  /** Send the session cookie over HTTPS only (set it when the API is behind TLS). */
  cookieSecure: boolean;
};

export class ConfigError extends Error {}

/** The variables a schema names, from the environment (an empty one counts as unset). */
const pick = (schema: z.ZodObject<z.ZodRawShape>, env: Record<string, string | undefined>) =>
  Object.fromEntries(Object.keys(schema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));

const issueLines = (err: z.ZodError) => err.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);

/** Parse the environment, nfvo's variables and its driver's; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = ConfigSchema.safeParse(pick(ConfigSchema, env));
  const plugin = parsed.success ? DRIVERS[parsed.data.DRIVER]! : undefined;
  const driverEnv = plugin?.config.safeParse(pick(plugin.config, env));
  const lines = [
    ...(parsed.success ? [] : issueLines(parsed.error)),
    ...(driverEnv && !driverEnv.success ? issueLines(driverEnv.error) : []),
  ];
  if (parsed.success && parsed.data.PACKAGE_STORE === 'fs' && !parsed.data.PACKAGE_DIR) {
    lines.push('  PACKAGE_DIR: a directory is needed with PACKAGE_STORE=fs');
  }
  if (!parsed.success || !driverEnv?.success || lines.length) {
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    amqpUrl: splitAmqpUrls(e.AMQP_URL).join(','),
    queueType: e.QUEUE_TYPE,
    port: e.PORT,
    host: e.HOST,
    nfvoUrl: e.NFVO_URL,
    logLevel: e.LOG_LEVEL,
    driver: { name: e.DRIVER, settings: driverSettings(plugin!, driverEnv.data) },
    packageStore: e.PACKAGE_STORE === 'fs' ? { kind: 'fs', dir: e.PACKAGE_DIR } : { kind: 'postgres' },
    packageMaxBytes: e.PACKAGE_MAX_BYTES,
    observeIntervalS: e.OBSERVE_INTERVAL_S,
    heartbeatIntervalS: e.HEARTBEAT_INTERVAL_S,
    processRetentionS: e.PROCESS_RETENTION_S,
    metricsPort: e.METRICS_PORT,
    metricsToken: e.METRICS_TOKEN,
    stuckAfterS: e.STUCK_AFTER_S,
    metricsRefreshS: e.METRICS_REFRESH_S,
    sessionHours: e.SESSION_HOURS,
    cookieSecure: e.COOKIE_SECURE === 'true',
    controllerConcurrency: e.CONTROLLER_CONCURRENCY,
    workerConcurrency: e.WORKER_CONCURRENCY,
    dbPoolSize: e.DB_POOL_SIZE,
    queuePrefix: e.QUEUE_PREFIX,
    leaseSeconds: e.LEASE_SECONDS,
    sweepIntervalMs: e.SWEEP_INTERVAL_MS,
    resyncAfterSeconds: e.RESYNC_AFTER_SECONDS,
    outboxPollMs: e.OUTBOX_POLL_MS,
    retryBaseMs: e.RETRY_BASE_MS,
    retryMaxMs: e.RETRY_MAX_MS,
    bodyLimit: e.BODY_LIMIT,
    stopTimeoutMs: e.STOP_TIMEOUT_MS,
    taskExpiresSeconds: e.TASK_EXPIRES_SECONDS,
    publishRetry: {
      max_retries: e.PUBLISH_MAX_RETRIES,
      interval_start: e.PUBLISH_INTERVAL_START_MS,
      interval_step: e.PUBLISH_INTERVAL_STEP_MS,
      interval_max: e.PUBLISH_INTERVAL_MAX_MS,
    },
  };
}

/** The driver's settings from its variables; what it refuses is a configuration error. */
function driverSettings(plugin: (typeof DRIVERS)[string], env: Record<string, unknown>): unknown {
  try {
    return plugin.settings(env);
  } catch (err) {
    throw new ConfigError(
      `invalid configuration:\n  DRIVER=${plugin.name}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

const ClientSchema = z.object({
  NFVO_URL: ConfigSchema.shape.NFVO_URL,
  NFVO_TOKEN: z.string().optional(),
});

/** What a client of the API (the CLI's resource commands) needs: no database, no broker, no driver. */
export type ClientConfig = { nfvoUrl: string; token: string | undefined };

/** Parse the client's variables only, so that a laptop talking to a remote nfvo needs none of the server's. */
export function loadClientConfig(env: Record<string, string | undefined>): ClientConfig {
  const parsed = ClientSchema.safeParse(pick(ClientSchema, env));
  if (!parsed.success) throw new ConfigError(`invalid configuration:\n${issueLines(parsed.error).join('\n')}`);
  return { nfvoUrl: parsed.data.NFVO_URL, token: parsed.data.NFVO_TOKEN };
}

/** A connection string (or a comma-separated list of them) with its passwords replaced, safe for logs and errors. */
export function redactUrl(url: string): string {
  return url.includes(',') ? splitAmqpUrls(url).map(redactOne).join(',') : redactOne(url);
}

function redactOne(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}

const splitAmqpUrls = (value: string) =>
  value
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);

function isAmqpUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'amqp:' || u.protocol === 'amqps:') && !!u.hostname;
  } catch {
    return false;
  }
}
