import { Static, TObject, TSchema, Type } from '@sinclair/typebox';
import { validationErrors } from '@duban/contracts';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function coerce(schema: TSchema, raw: string): unknown {
  switch (schema.type) {
    case 'integer':
    case 'number':
      return raw.trim() === '' ? raw : Number(raw);
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    default:
      return raw;
  }
}

/**
 * Reads the variables a schema names from the environment, converts numbers
 * and booleans, applies defaults, and fails naming every bad variable.
 * Read once at start-up; nothing else reads process.env.
 */
export function loadConfig<T extends TObject>(schema: T, env: NodeJS.ProcessEnv = process.env): Static<T> {
  const values: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') values[name] = coerce(property, raw);
    else if (property.default !== undefined) values[name] = property.default;
  }
  const errors = validationErrors(schema, values);
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e) => {
        const name = e.pointer.split('/')[1] ?? '(config)';
        const described = schema.properties[name]?.description;
        return `${name}: ${e.detail}${described ? ` (${described})` : ''}`;
      }),
    );
  }
  return values as Static<T>;
}

/** Variables every service reads. */
export const BaseConfig = {
  HTTP_HOST: Type.String({ default: '127.0.0.1', description: 'address to listen on' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 25_000, description: 'hard limit for graceful shutdown' }),
};

export const DatabaseConfig = {
  DATABASE_URL: Type.String({
    pattern: '^postgres(ql)?://',
    description: "the service's own PostgreSQL database, postgres://user:password@host:port/db",
  }),
  // 20: measured — with 10, intake (its filings plus four projected events per case) waited
  // seconds for a connection at 50 cases/s (docs/benchmarks.md).
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
};

export const KafkaConfig = {
  KAFKA_BROKERS: Type.String({ minLength: 1, description: 'comma-separated host:port list' }),
  KAFKA_PARTITIONS: Type.Integer({ minimum: 1, maximum: 256, default: 6 }),
  KAFKA_REPLICATION_FACTOR: Type.Integer({ minimum: 1, maximum: 7, default: 1, description: 'replicas of topics a service creates' }),
  KAFKA_FETCH_MIN_BYTES: Type.Integer({ minimum: 1, maximum: 1_048_576, default: 16_384, description: 'a fetch waits for this many bytes (or KAFKA_FETCH_MAX_WAIT_MS)' }),
  KAFKA_FETCH_MAX_WAIT_MS: Type.Integer({ minimum: 1, maximum: 5000, default: 100, description: 'longest a fetch waits for KAFKA_FETCH_MIN_BYTES' }),
  KAFKA_COMMIT_INTERVAL_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 1000, description: 'offsets of handled messages are committed at most this often (0: after every batch)' }),
};

export const OidcConfig = {
  OIDC_ISSUER_URL: Type.String({ pattern: '^https?://', description: 'issuer of access tokens (Keycloak realm URL)' }),
  OIDC_AUDIENCE: Type.String({ minLength: 1, default: 'duban-api' }),
  OIDC_DISCOVERY_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
};
