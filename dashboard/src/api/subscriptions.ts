// Subscriptions over the graphql-ws protocol at the page's own /graphql (ws: or wss: as the page is
// http: or https:, which the content security policy's connect-src 'self' allows). The API key, when
// there is one, goes in connection_init as the API asks; one connection serves every subscription of the
// tab and closes itself when the last one ends.
import { createClient, type Client } from 'graphql-ws';
import { useEffect, useRef, useState } from 'react';
import { storedApiKey, type Operation } from './graphql-client';
import { useAuth } from './auth';

let client: { key: string | null; client: Client } | null = null;

function subscriptionClient(): Client {
  const key = storedApiKey();
  if (client?.key !== key) {
    void client?.client.dispose();
    const url = `${window.location.protocol === 'https:' ? 'wss:' : 'ws:'}//${window.location.host}/graphql`;
    client = {
      key,
      client: createClient({ url, lazy: true, connectionParams: () => (key ? { authorization: `Bearer ${key}` } : {}) }),
    };
  }
  return client.client;
}

/** Why a subscription stopped, as the API or the connection said. */
function reasonOf(error: unknown): string {
  if (Array.isArray(error)) return (error as { message?: string }[]).map((item) => item.message).join('; ');
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'code' in error) {
    const closed = error as { code: number; reason?: string };
    return closed.reason || `the connection closed (${closed.code})`;
  }
  return String(error);
}

/**
 * Calls `onData` with each result of `query` while the component is mounted and `enabled`; a new API key
 * subscribes again. Returns null while it runs, or why it stopped (the page keeps what it read by HTTP).
 */
export function useSubscription<T, TVariables>(
  query: Operation<T, TVariables>,
  variables: TVariables,
  enabled: boolean,
  onData: (data: T) => void,
): string | null {
  const { keyVersion } = useAuth();
  const [stopped, setStopped] = useState<string | null>(null);
  const handler = useRef(onData);
  handler.current = onData;
  const variablesKey = JSON.stringify(variables);
  useEffect(() => {
    if (!enabled) return;
    setStopped(null);
    return subscriptionClient().subscribe<T>(
      { query: query.toString(), variables: JSON.parse(variablesKey) as Record<string, unknown> },
      {
        next: (result) => {
          if (result.data) handler.current(result.data);
        },
        error: (error) => setStopped(reasonOf(error)),
        complete: () => undefined,
      },
    );
  }, [query, variablesKey, enabled, keyVersion]);
  return stopped;
}
