// Global object ids (issue 20): node(nodeId:) reads back what the lists return, under the roles of each
// type's own query; ids this API did not give out are BAD_USER_INPUT, gone ones NOT_FOUND.
import { globalId } from '../../src/platform/graphql/node';
import { importFirstUnits } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';
import { bearer } from '../support/requests';

describe('node(nodeId:)', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;
  let reader: Record<string, string>;
  let admin: Record<string, string>;

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 3);
    server = await startTestServer(testDatabase.database, { auth: { enabled: true, cacheTtlMs: 0 } });
    await server.services.jobs.enqueue({
      trainUnits: [{ from: 1, to: 1 }],
      calibrationUnits: [{ from: 2, to: 2 }],
      testUnits: [{ from: 3, to: 3 }],
      epochs: 1,
    });
    reader = bearer((await server.services.apiKeys.create('reader', ['reader'])).key);
    admin = bearer((await server.services.apiKeys.create('admin', ['admin'])).key);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await testDatabase?.dispose();
  });

  const node = (nodeId: string, headers: Record<string, string>) =>
    server.graphql(
      'query ($id: ID!) { node(nodeId: $id) { __typename nodeId ... on Engine { id unit } ... on TrainingJob { id } ... on Dataset { id name } } }',
      { id: nodeId },
      headers,
    );

  it('reads back the objects the lists return, by their nodeId', async () => {
    const listed = await server.graphql(
      '{ enginesConnection(first: 2) { edges { node { nodeId id unit } } } trainingJobsConnection(first: 1) { edges { node { nodeId id } } } datasetsConnection { edges { node { nodeId id name } } } }',
      {},
      reader,
    );
    expect(listed.errors).toBeUndefined();
    const objects = [
      ...listed.data.enginesConnection.edges.map((edge: { node: object }) => ({ __typename: 'Engine', ...edge.node })),
      ...listed.data.trainingJobsConnection.edges.map((edge: { node: object }) => ({ __typename: 'TrainingJob', ...edge.node })),
      ...listed.data.datasetsConnection.edges.map((edge: { node: object }) => ({ __typename: 'Dataset', ...edge.node })),
    ];
    expect(objects).toHaveLength(4);
    expect(new Set(objects.map((object) => object.nodeId)).size).toBe(objects.length);
    for (const object of objects) {
      const answer = await node(object.nodeId, reader);
      expect(answer.errors).toBeUndefined();
      expect(answer.data.node).toEqual(object);
    }
  });

  it('refuses ids it did not give out with BAD_USER_INPUT, and says NOT_FOUND for gone ones', async () => {
    const engine = (await server.graphql('{ enginesConnection(first: 1) { edges { node { nodeId } } } }', {}, reader)).data
      .enginesConnection.edges[0].node.nodeId as string;
    for (const bad of [
      '',
      'nope',
      `${engine}=`,
      globalId('ApiKey', 1),
      globalId('Engine', 0),
      Buffer.from('Engine:1.5').toString('base64url'),
    ]) {
      const answer = await node(bad, reader);
      expect(answer.data?.node ?? null).toBeNull();
      expect(answer.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    const gone = await node(globalId('Engine', 999_999), reader);
    expect(gone.data.node).toBeNull();
    expect(gone.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  });

  it("needs the roles of each type's own query: an admin-only type does not leak to a reader", async () => {
    const endpoint = globalId('WebhookEndpoint', 999_999);
    const refused = await node(endpoint, reader);
    expect(refused.data.node).toBeNull();
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const allowed = await node(endpoint, admin);
    expect(allowed.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const engine = await node(globalId('Engine', 1), admin);
    expect(engine.errors?.[0].extensions?.code).toBe('FORBIDDEN'); // an admin key without the reader role
  });
});
