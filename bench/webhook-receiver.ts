// A webhook receiver on a loopback port (tests and bench:webhooks), as a client would write one: it
// verifies each request's Standard Webhooks signature with the endpoint's secret (the standardwebhooks
// package, as the README shows) and answers with the next status of its script (200 once it is spent).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  status: number;
  /** The verified body; null when the signature did not verify. */
  payload: {
    type: string;
    timestamp: string;
    data: Record<string, unknown> & { alertId: number; severity: string; lastCycle: number };
  } | null;
  verifyError: string | null;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The secret signatures are checked with (set once the endpoint is registered). */
  secret: string | null;
  /** Statuses to answer, in order, before answering 200. */
  script: number[];
  /** The 2xx-acknowledged requests, by webhook-id. */
  acknowledged(): Map<string, number>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(port = 0): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    secret: null,
    script: [],
    acknowledged() {
      const counts = new Map<string, number>();
      for (const entry of this.received) if (entry.status < 300) counts.set(entry.id, (counts.get(entry.id) ?? 0) + 1);
      return counts;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let payload: ReceivedWebhook['payload'] = null;
      let verifyError: string | null = null;
      try {
        payload = new Webhook(receiver.secret ?? '').verify(body, request.headers as Record<string, string>) as ReceivedWebhook['payload'];
      } catch (error) {
        verifyError = (error as Error).message;
      }
      const status = verifyError ? 401 : (receiver.script.shift() ?? 200);
      receiver.received.push({ id: String(request.headers['webhook-id']), status, payload, verifyError });
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'try again');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/alerts`;
  return receiver;
}
