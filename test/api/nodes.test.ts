// Global object ids (issue 20): node(nodeId:) and nodes(nodeIds:) read back what the lists return, under
// the roles of each type's own query; ids this API did not give out are BAD_USER_INPUT, gone ones
// NOT_FOUND (node) or null (nodes).
import { globalId } from '../../src/platform/graphql/node';
import { importFirstUnits } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';
import { bearer } from '../support/requests';

describe('node(nodeId:) and nodes(nodeIds:)', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;
  let reader: Record<string, string>;
  let admin: Record<string, string>;

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 3);
    server = await startTestServer(testDatabase.database, { auth: { enabled: true, cacheTtlMs: 0 } });
    const job = await server.services.jobs.enqueue({
      kind: 'z-score',
      trainUnits: [{ from: 1, to: 1 }],
      calibrationUnits: [{ from: 2, to: 2 }],
      testUnits: [{ from: 3, to: 3 }],
    });
    // A version and the evaluation made at its registration.
    expect((await server.services.runner.runNext(job.id))?.status).toBe('SUCCEEDED');
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
      globalId('Cycle', 1),
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

  const nodes = (nodeIds: unknown, headers: Record<string, string>, selection = '__typename nodeId') =>
    server.graphql(`query ($ids: [ID!]!) { nodes(nodeIds: $ids) { ${selection} } }`, { ids: nodeIds }, headers);

  it('reads ApiKey, Evaluation and WebhookDelivery by nodeId under their own roles', async () => {
    const keys = await server.graphql('{ apiKeys { nodeId id name } }', {}, admin);
    expect(keys.errors).toBeUndefined();
    const key = keys.data.apiKeys.find((candidate: { name: string }) => candidate.name === 'reader');
    expect((await node(key.nodeId, admin)).data.node).toEqual({ __typename: 'ApiKey', nodeId: key.nodeId });
    expect((await node(key.nodeId, reader)).errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const versions = await server.graphql(
      '{ modelVersionsConnection { edges { node { evaluations { nodeId id modelVersionId } } } } }',
      {},
      reader,
    );
    expect(versions.errors).toBeUndefined();
    const evaluation = versions.data.modelVersionsConnection.edges[0].node.evaluations[0];
    const read = await server.graphql(
      'query ($id: ID!) { node(nodeId: $id) { ... on Evaluation { nodeId id modelVersionId } } }',
      { id: evaluation.nodeId },
      reader,
    );
    expect(read.errors).toBeUndefined();
    expect(read.data.node).toEqual(evaluation);
    expect((await node(evaluation.nodeId, admin)).errors?.[0].extensions?.code).toBe('FORBIDDEN');

    expect((await node(globalId('WebhookDelivery', 999_999), admin)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await node(globalId('WebhookDelivery', 999_999), reader)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('nodes() answers in the order asked, null for gone or forbidden objects', async () => {
    const listed = await server.graphql('{ enginesConnection(first: 3) { edges { node { nodeId } } } }', {}, reader);
    const engines: string[] = listed.data.enginesConnection.edges.map((edge: { node: { nodeId: string } }) => edge.node.nodeId);
    const keyId = (await server.graphql('{ apiKeys { nodeId } }', {}, admin)).data.apiKeys[0].nodeId as string;
    const asked = [engines[2], globalId('Engine', 999_999), keyId, engines[0], engines[2]];
    const answer = await nodes(asked, reader);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.nodes).toEqual([
      { __typename: 'Engine', nodeId: engines[2] },
      null, // gone
      null, // an ApiKey: admin only
      { __typename: 'Engine', nodeId: engines[0] },
      { __typename: 'Engine', nodeId: engines[2] },
    ]);
    expect((await nodes([keyId, engines[0]], admin)).data.nodes).toEqual([{ __typename: 'ApiKey', nodeId: keyId }, null]);
    expect((await nodes([], reader)).data.nodes).toEqual([]);
  });

  it('nodes() refuses ids it did not give out and more than 500 ids', async () => {
    const engine = globalId('Engine', 1);
    const bad = await nodes([engine, 'nope'], reader);
    expect(bad.data).toBeNull();
    expect(bad.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'nodeIds[1]' } });
    const many = await nodes(
      Array.from({ length: 501 }, () => engine),
      reader,
    );
    expect(many.data).toBeNull();
    expect(many.errors?.[0]).toMatchObject({ extensions: { code: 'BATCH_TOO_LARGE', limit: 500 } });
  });

  it("counts nodes()'s ids in the request's cost before running it", async () => {
    const heavy = Array.from({ length: 500 }, (_, index) => globalId('Engine', index + 1));
    const selection = '... on Engine { cycles { sensors settings } }';
    const refused = await nodes(heavy, reader, selection);
    expect(refused.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^the operation's estimated cost is \d+, more than GRAPHQL_MAX_COST/),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const small = await nodes(heavy.slice(0, 2), reader, selection);
    expect(small.errors).toBeUndefined();
    expect(small.data.nodes[0].cycles.length).toBeGreaterThan(0);
  });
});
