// The server the dashboard's browser tests drive: the real application on a fresh PostgreSQL database
// holding the first FD001 engines, authentication on, one key with the reader, scorer and operator
// roles, and the training runner started.
import { selectBackend } from '../../src/detectors/lstm-autoencoder/engine';
import { importFirstUnits } from './cmapss-fixtures';
import { openTestDatabase } from './databases';
import { startTestServer, type TestServer } from './http';

export interface DashboardServer {
  server: TestServer;
  key: string;
  /** Runs a GraphQL operation with the key; any error fails the test. */
  api<T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Trains through `trainModel(input: <input>)` and resolves with the registered version's id. */
  train(input: string): Promise<number>;
  close(): Promise<void>;
}

export async function startDashboardServer(units: number): Promise<DashboardServer> {
  await selectBackend();
  const testDatabase = await openTestDatabase('postgresql');
  await importFirstUnits(testDatabase.database.prisma, units);
  const server = await startTestServer(
    testDatabase.database,
    { auth: { enabled: true, cacheTtlMs: 0 } },
    { runner: { pollIntervalMs: 20, heartbeatIntervalMs: 200 } },
  );
  const key = (await server.services.apiKeys.create('dashboard', ['reader', 'scorer', 'operator'])).key;
  server.services.runner.start();
  const api = async <T = any>(query: string, variables?: Record<string, unknown>): Promise<T> => {
    const response = await server.graphql(query, variables, { authorization: `Bearer ${key}` });
    if (response.errors) throw new Error(`${query}: ${JSON.stringify(response.errors)}`);
    return response.data as T;
  };
  return {
    server,
    key,
    api,
    async train(input) {
      const { trainModel } = await api(`mutation { trainModel(input: ${input}) { id } }`);
      for (;;) {
        const { trainingJob } = await api(`query ($id: Int!) { trainingJob(id: $id) { status error modelVersionId } }`, {
          id: trainModel.id,
        });
        if (trainingJob.status === 'SUCCEEDED') return trainingJob.modelVersionId;
        if (['FAILED', 'CANCELLED'].includes(trainingJob.status)) throw new Error(`training ${trainingJob.status}: ${trainingJob.error}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async close() {
      await server.services.runner.stop();
      await server.close();
      await testDatabase.dispose();
    },
  };
}
