// Structured JSON logs. Sensor payloads and credentials never go into log fields at info level.
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'engine-health' },
    redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.apiKey', '*.password'], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
