// Access control over HTTP with authentication on (PostgreSQL): missing, malformed, unknown and revoked
// keys get UNAUTHENTICATED; a key without the role gets FORBIDDEN before anything runs, the same answer
// whether or not the resource exists; key management over GraphQL; failed-authentication throttling;
// what the logs say about keys.
import { ApiRole } from '@prisma/client';
import { loadConfig } from '../../main/config';
import { appOperationRoles, buildAppSchema } from '../../main/schema';
import { createLogger } from '../observability/logger';
import { importFirstUnits } from '../../../test/support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../../../test/support/databases';
import { startTestServer, type TestServer } from '../../../test/support/http';
import { bearer, postGraphQL, waitUntil } from '../../../test/support/requests';

/** The access policy of the API: which role each root field needs. */
const POLICY: Record<string, ApiRole> = {
  'Query.engines': 'READER',
  'Query.engine': 'READER',
  'Query.modelVersions': 'READER',
  'Query.modelVersion': 'READER',
  'Query.activeModelVersion': 'READER',
  'Query.compareModelVersions': 'READER',
  'Query.serviceInfo': 'READER',
  'Query.trainingJob': 'READER',
  'Query.trainingJobs': 'READER',
  'Mutation.scoreWindow': 'SCORER',
  'Mutation.scoreWindows': 'SCORER',
  'Mutation.createEngine': 'SCORER',
  'Mutation.appendCycles': 'SCORER',
  'Mutation.trainModel': 'OPERATOR',
  'Mutation.cancelTrainingJob': 'OPERATOR',
  'Mutation.activateModelVersion': 'OPERATOR',
  'Mutation.setModelVersionAlias': 'OPERATOR',
  'Mutation.removeModelVersionAlias': 'OPERATOR',
  'Mutation.setModelVersionTag': 'OPERATOR',
  'Mutation.removeModelVersionTag': 'OPERATOR',
  'Mutation.archiveModelVersion': 'OPERATOR',
  'Mutation.setEngineAlertRule': 'OPERATOR',
  'Mutation.clearEngineAlertRule': 'OPERATOR',
  'Mutation.deleteModelVersion': 'OPERATOR',
  'Mutation.evaluateModelVersion': 'OPERATOR',
  'Query.batchJob': 'READER',
  'Query.batchJobs': 'READER',
  'Mutation.startEvaluation': 'OPERATOR',
  'Mutation.startScoring': 'OPERATOR',
  'Mutation.cancelBatchJob': 'OPERATOR',
  'Query.alerts': 'READER',
  'Mutation.acknowledgeAlert': 'OPERATOR',
  'Mutation.resolveAlert': 'OPERATOR',
  'Query.apiKeys': 'ADMIN',
  'Mutation.createApiKey': 'ADMIN',
  'Mutation.revokeApiKey': 'ADMIN',
};

let unique = 0;
/** One operation per root field; allowed ones fail harmlessly (unknown ids, invalid input) or write little. */
const OPERATIONS: Record<string, () => string> = {
  'Query.engines': () => '{ engines { totalCount } }',
  'Query.engine': () => '{ engine(id: 1) { id } }',
  'Query.modelVersions': () => '{ modelVersions { totalCount } }',
  'Query.modelVersion': () => '{ modelVersion(id: 999999) { id } }',
  'Query.activeModelVersion': () => '{ activeModelVersion { id } }',
  'Query.compareModelVersions': () => '{ compareModelVersions(ids: [999998, 999999]) { commonWindows } }',
  'Query.serviceInfo': () => '{ serviceInfo { databaseKind } }',
  'Query.trainingJob': () => '{ trainingJob(id: 999999) { id } }',
  'Query.trainingJobs': () => '{ trainingJobs { totalCount } }',
  'Mutation.scoreWindow': () => 'mutation { scoreWindow(window: { values: [[1]] }) { score } }',
  'Mutation.scoreWindows': () => 'mutation { scoreWindows(windows: [{ values: [[1]] }]) { score } }',
  'Mutation.createEngine': () => `mutation { createEngine(input: { externalId: "matrix-${++unique}" }) { id } }`,
  'Mutation.appendCycles': () => 'mutation { appendCycles(engineId: 999999, cycles: []) { appendedCycles } }',
  'Mutation.trainModel': () => 'mutation { trainModel(input: { epochs: 0 }) { id } }',
  'Mutation.cancelTrainingJob': () => 'mutation { cancelTrainingJob(id: 999999) { id } }',
  'Mutation.activateModelVersion': () => 'mutation { activateModelVersion(id: 999999) { activated { id } } }',
  'Mutation.setModelVersionAlias': () => 'mutation { setModelVersionAlias(id: 999999, alias: "champion") { alias } }',
  'Mutation.removeModelVersionAlias': () => 'mutation { removeModelVersionAlias(alias: "champion") { id } }',
  'Mutation.setModelVersionTag': () => 'mutation { setModelVersionTag(id: 999999, key: "team", value: "a") { id } }',
  'Mutation.removeModelVersionTag': () => 'mutation { removeModelVersionTag(id: 999999, key: "team") { id } }',
  'Mutation.archiveModelVersion': () => 'mutation { archiveModelVersion(id: 999999) { id } }',
  'Mutation.setEngineAlertRule': () =>
    'mutation { setEngineAlertRule(engineId: 999999, modelVersionId: 999999, rule: { k: 1 }) { overridden } }',
  'Mutation.clearEngineAlertRule': () => 'mutation { clearEngineAlertRule(engineId: 999999, modelVersionId: 999999) { overridden } }',
  'Mutation.deleteModelVersion': () => 'mutation { deleteModelVersion(id: 999999) }',
  'Mutation.evaluateModelVersion': () => 'mutation { evaluateModelVersion(id: 999999) { id } }',
  'Query.batchJob': () => '{ batchJob(id: 999999) { id } }',
  'Query.batchJobs': () => '{ batchJobs { totalCount } }',
  'Mutation.startEvaluation': () => 'mutation { startEvaluation(id: 999999) { id } }',
  'Mutation.startScoring': () => 'mutation { startScoring(input: {}) { id } }',
  'Mutation.cancelBatchJob': () => 'mutation { cancelBatchJob(id: 999999) { id } }',
  'Query.alerts': () => '{ alerts { hasNextPage } }',
  'Mutation.acknowledgeAlert': () => 'mutation { acknowledgeAlert(id: 999999) { id } }',
  'Mutation.resolveAlert': () => 'mutation { resolveAlert(id: 999999) { id } }',
  'Query.apiKeys': () => '{ apiKeys { prefix } }',
  'Mutation.createApiKey': () => `mutation { createApiKey(input: { name: "matrix-${++unique}", roles: [READER] }) { apiKey { id } } }`,
  'Mutation.revokeApiKey': () => 'mutation { revokeApiKey(key: "999999") { id } }',
};

describe('access control', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;
  const logLines: string[] = [];
  const keys: Record<ApiRole, string> = { READER: '', SCORER: '', OPERATOR: '', ADMIN: '' };
  const auth = { enabled: true, cacheTtlMs: 10_000 };

  beforeAll(async () => {
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 2);
    const logger = createLogger('info', { write: (line: string) => void logLines.push(line) });
    server = await startTestServer(testDatabase.database, { auth }, {}, { logger });
    for (const role of Object.keys(keys) as ApiRole[])
      keys[role] = (await server.app.apiKeys.create(`${role.toLowerCase()} key`, [role])).key;
  });

  afterAll(async () => {
    await server?.close();
    await testDatabase?.dispose();
  });

  it('declares a role on every root field, as the policy says (add @Authorized(ApiRole.X) to a new one)', async () => {
    const schema = await buildAppSchema();
    const roles = appOperationRoles();
    const rootFields = [
      ...Object.keys(schema.getQueryType()!.getFields()).map((name) => `Query.${name}`),
      ...Object.keys(schema.getMutationType()!.getFields()).map((name) => `Mutation.${name}`),
    ];
    expect(rootFields.filter((field) => !roles.has(field))).toEqual([]);
    for (const [field, role] of Object.entries(POLICY)) expect([field, roles.get(field)]).toEqual([field, [role]]);
    expect(Object.keys(OPERATIONS).sort()).toEqual(Object.keys(POLICY).sort());
    // The one field any key may run: what the key itself may do.
    expect([...roles].filter(([, needed]) => needed.length === 0).map(([field]) => field)).toEqual(['Query.viewer']);
    // Subscriptions (served over WebSocket, test/api/subscriptions.test.ts) need the role of the queries they push.
    const subscriptions = Object.keys(schema.getSubscriptionType()!.getFields()).map((name) => `Subscription.${name}`);
    expect(subscriptions.map((field) => [field, roles.get(field)])).toEqual(subscriptions.map((field) => [field, ['READER']]));
  });

  it('refuses a request without a key, or with a malformed, unknown or revoked key, with 401 UNAUTHENTICATED', async () => {
    const revoked = await server.app.apiKeys.create('to revoke', ['READER']);
    await server.app.apiKeys.revoke(revoked.info.id);
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer not-a-key' },
      bearer(`ehk_AAAAAAAA_${'B'.repeat(43)}`),
      bearer(revoked.key),
    ];
    for (const headers of attempts) {
      const response = await postGraphQL(server.url, { query: '{ engines { totalCount } }' }, headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="engine-health"');
      expect(response.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(response.json.data).toBeUndefined();
    }
    // Before parsing: even an invalid document gets 401, not a schema hint.
    const invalid = await postGraphQL(server.url, { query: '{ nosuchfield }' });
    expect(invalid.status).toBe(401);
  });

  it('gives each role exactly the operations of the policy; every other one is FORBIDDEN (403) before it runs', async () => {
    const mismatches: string[] = [];
    for (const [field, operation] of Object.entries(OPERATIONS)) {
      for (const role of Object.keys(keys) as ApiRole[]) {
        const response = await postGraphQL(server.url, { query: operation() }, bearer(keys[role]));
        const code = response.json.errors?.[0]?.extensions?.code;
        const allowed = POLICY[field] === role;
        if (allowed && (code === 'FORBIDDEN' || code === 'UNAUTHENTICATED')) mismatches.push(`${role} refused ${field}: ${code}`);
        if (!allowed && (code !== 'FORBIDDEN' || response.status !== 403 || response.json.data !== undefined)) {
          mismatches.push(`${role} not refused ${field}: ${response.status} ${code}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('tells any key its own name, prefix and roles through viewer, and refuses it without a key', async () => {
    const several = await server.app.apiKeys.create('dashboard reader', ['OPERATOR', 'READER']);
    const viewerOf = async (key: string) =>
      (await postGraphQL(server.url, { query: '{ viewer { authenticated name prefix roles } }' }, bearer(key))).json;
    expect(await viewerOf(several.key)).toEqual({
      data: { viewer: { authenticated: true, name: 'dashboard reader', prefix: several.info.prefix, roles: ['READER', 'OPERATOR'] } },
    });
    for (const role of Object.keys(keys) as ApiRole[]) expect((await viewerOf(keys[role])).data.viewer.roles).toEqual([role]);
    expect((await postGraphQL(server.url, { query: '{ viewer { roles } }' })).status).toBe(401);
  });

  it('answers FORBIDDEN the same way whether or not the resource exists', async () => {
    const existing = await testDatabase.database.prisma.engine.findFirstOrThrow();
    const ask = (id: number) =>
      postGraphQL(
        server.url,
        { query: 'query ($id: Int!) { engine(id: $id) { id unit cycles { cycle } } }', variables: { id } },
        bearer(keys.SCORER),
      );
    const [present, absent] = [await ask(existing.id), await ask(999_999)];
    expect(present.status).toBe(403);
    expect(present.json).toEqual(absent.json);
    expect(present.json.errors[0]).toMatchObject({
      message: 'this API key may not run Query.engine: it needs the reader role',
      extensions: { code: 'FORBIDDEN', requiredRoles: ['READER'] },
    });
  });

  it('runs no part of an operation when one of its root fields is forbidden (fragments included)', async () => {
    const [engines, jobs] = [await testDatabase.database.prisma.engine.count(), await testDatabase.database.prisma.trainingJob.count()];
    const mixed = await postGraphQL(
      server.url,
      {
        query: 'mutation { createEngine(input: { externalId: "mixed" }) { id } ...Train } fragment Train on Mutation { trainModel { id } }',
      },
      bearer(keys.SCORER),
    );
    expect(mixed.status).toBe(403);
    expect(mixed.json.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(await testDatabase.database.prisma.engine.count()).toBe(engines);
    expect(await testDatabase.database.prisma.trainingJob.count()).toBe(jobs);
  });

  it('lets any valid key introspect (when introspection is on), but not an anonymous client', async () => {
    const introspection = { query: '{ __schema { queryType { name } } }' };
    expect((await postGraphQL(server.url, introspection, bearer(keys.SCORER))).json).toEqual({
      data: { __schema: { queryType: { name: 'Query' } } },
    });
    expect((await postGraphQL(server.url, introspection)).status).toBe(401);
  });

  it('manages keys over GraphQL with an ADMIN key: create (shown once), list, revoke (refused at once)', async () => {
    const created = await postGraphQL(
      server.url,
      { query: 'mutation { createApiKey(input: { name: "grafana", roles: [READER] }) { key apiKey { id prefix roles revokedAt } } }' },
      bearer(keys.ADMIN),
    );
    expect(created.json.errors).toBeUndefined();
    const { key, apiKey } = created.json.data.createApiKey;
    expect(apiKey).toMatchObject({ roles: ['READER'], revokedAt: null });
    expect(
      (await postGraphQL(server.url, { query: '{ engines { totalCount } }' }, bearer(key))).json.data.engines.totalCount,
    ).toBeGreaterThan(0);

    const listed = await postGraphQL(server.url, { query: '{ apiKeys { prefix name roles revokedAt lastUsedAt } }' }, bearer(keys.ADMIN));
    expect(listed.json.data.apiKeys).toEqual(expect.arrayContaining([expect.objectContaining({ prefix: apiKey.prefix, name: 'grafana' })]));
    expect(listed.text).not.toContain(key.slice(13));
    // The use of the key is recorded (at most once a minute per key).
    await waitUntil(
      () => testDatabase.database.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } }),
      (row) => row.lastUsedAt !== null,
      10_000,
      'last_used_at written',
    );

    const revoked = await postGraphQL(
      server.url,
      { query: 'mutation ($key: String!) { revokeApiKey(key: $key) { revokedAt } }', variables: { key: apiKey.prefix } },
      bearer(keys.ADMIN),
    );
    expect(revoked.json.data.revokeApiKey.revokedAt).toEqual(expect.any(String));
    expect((await postGraphQL(server.url, { query: '{ engines { totalCount } }' }, bearer(key))).status).toBe(401);
  });

  it('logs the key prefix with each request, never the key itself', async () => {
    await postGraphQL(server.url, { query: 'query Probe { engines { totalCount } }' }, bearer(keys.READER));
    await postGraphQL(server.url, { query: '{ engines { totalCount } }' }, bearer(`${keys.READER.slice(0, 13)}${'x'.repeat(43)}`));
    // The access-log line is written once the response is out: wait for it.
    const findProbe = async () =>
      logLines.map((line) => JSON.parse(line)).find((line) => line.msg === 'request' && line.operation === 'Probe');
    const probe = await waitUntil(findProbe, (line) => line !== undefined, 5_000, 'access-log line');
    const lines = logLines.map((line) => JSON.parse(line));
    expect(probe).toMatchObject({
      keyPrefix: keys.READER.slice(0, 12),
      status: 200,
      outcome: 'success',
      operationType: 'query',
      requestId: expect.any(String),
      latencyMs: expect.any(Number),
    });
    expect(lines.filter((line) => line.msg === 'API key refused').at(-1)).toMatchObject({
      reason: 'unknown_or_revoked',
      keyPrefix: keys.READER.slice(0, 12),
    });
    const all = logLines.join('\n');
    for (const key of Object.values(keys)) expect(all).not.toContain(key.slice(13));
  });

  it('throttles a key prefix that keeps failing from an address, without locking out the valid keys of that address', async () => {
    // Counted in this server's memory: the other server of this file shares the database's counters (as a
    // replica would) and holds failures of the tests above (sharing is tested in rate-limits.test.ts).
    const limits = { ...loadConfig({ NODE_ENV: 'test' }).limits, authFailures: { points: 3, periodSeconds: 60 }, store: 'memory' as const };
    const throttled = await startTestServer(testDatabase.database, { auth, limits });
    try {
      const bad = bearer(`ehk_AAAAAAAA_${'C'.repeat(43)}`);
      for (let attempt = 0; attempt < 3; attempt++)
        expect((await postGraphQL(throttled.url, { query: '{ __typename }' }, bad)).status).toBe(401);
      const refused = await postGraphQL(throttled.url, { query: '{ __typename }' }, bearer(`ehk_AAAAAAAA_${'D'.repeat(43)}`));
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.json.errors[0]).toMatchObject({
        message: 'too many failed authentications with this key from this address; retry later',
        extensions: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) },
      });
      // The same address (one proxy in front of every client) with a valid key is served.
      expect((await postGraphQL(throttled.url, { query: '{ __typename }' }, bearer(keys.READER))).status).toBe(200);
      // Requests without a key or with a malformed one count in buckets of their own.
      for (let attempt = 0; attempt < 3; attempt++)
        expect((await postGraphQL(throttled.url, { query: '{ __typename }' })).status).toBe(401);
      expect((await postGraphQL(throttled.url, { query: '{ __typename }' })).status).toBe(429);
      expect((await postGraphQL(throttled.url, { query: '{ __typename }' }, { authorization: 'Bearer nonsense' })).status).toBe(401);
      expect((await postGraphQL(throttled.url, { query: '{ __typename }' }, bearer(keys.READER))).status).toBe(200);
    } finally {
      await throttled.close();
    }
  });
});
