// Structured JSON logs (pino). Every request line carries the request id, operation, latency, status and
// the API key's prefix; never a key, a token or a raw sensor payload (request bodies are not logged at
// all, and the redaction below is a second line of defence).
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'engine-health' },
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          'authorization',
          '*.apiKey',
          '*.key',
          '*.password',
          '*.token',
          'variables',
          '*.variables',
        ],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
