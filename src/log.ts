import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs; secrets are redacted wherever they might appear in a logged object. */
export function makeLogger(level: string, role: string): Logger {
  return pino({
    level,
    base: { role, pid: process.pid },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.token',
        'databaseUrl',
        'amqpUrl',
        'config.databaseUrl',
        'config.amqpUrl',
      ],
      censor: '[redacted]',
    },
  });
}
