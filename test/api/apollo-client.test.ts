// A real Apollo Client (InMemoryCache, HttpLink, and GraphQLWsLink for subscriptions) against the server,
// through the README's operations: the normalised cache must keep every answer, warn about nothing and see
// what mutations change.
import '../support/apollo-dev';
import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { loadDevMessages, loadErrorMessages } from '@apollo/client/dev';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition, relayStylePagination } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { importFirstUnits, shippedLines } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';
import { waitUntil } from '../support/requests';

const TRAIN = gql`
  mutation Train($input: TrainModelInput!) {
    trainModel(input: $input) {
      id
      status
    }
  }
`;

const SERVICE_INFO = gql`
  query ServiceInfo {
    serviceInfo {
      id
      serviceVersion
      databaseKind
      counts {
        id
        engines
        modelVersions
      }
      activeModelVersion {
        id
        isActive
      }
    }
  }
`;

const JOB_PROGRESS = gql`
  query JobProgress($id: Int!) {
    trainingJob(id: $id) {
      id
      status
      progress {
        id
        epochsCompleted
        totalEpochs
        estimatedRemainingMs
      }
      modelVersion {
        id
        version
        threshold
      }
    }
  }
`;

const JOB_EPOCHS = gql`
  query JobEpochs($id: Int!) {
    trainingJob(id: $id) {
      id
      progress {
        id
        lastLoss
        elapsedMs
      }
      epochs {
        id
        epoch
        elapsedMs
      }
    }
  }
`;

const ENGINE_TRAJECTORIES = gql`
  query EngineTrajectories {
    engines(filter: { dataset: "FD001", role: TRAIN }, page: { limit: 2 }) {
      totalCount
      items {
        id
        unit
        trajectory {
          id
          threshold
          firstFlaggedCycle
          points {
            id
            endCycle
            score
            rul
          }
        }
      }
    }
  }
`;

const ENGINE_FLAGS = gql`
  query EngineFlags($id: Int!) {
    engine(id: $id) {
      id
      lastCycle
      trajectory {
        id
        flaggedCycles
        windowLength
        points {
          id
          endCycle
          isAnomaly
        }
      }
      cycles(from: 1, to: 3) {
        id
        cycle
        sensors
      }
    }
  }
`;

const ACTIVATE = gql`
  mutation Activate($id: Int!) {
    activateModelVersion(id: $id) {
      activated {
        id
        isActive
      }
      previous {
        id
        isActive
      }
    }
  }
`;

const VERSIONS = gql`
  query Versions {
    modelVersions {
      totalCount
      items {
        id
        version
        isActive
      }
    }
  }
`;

const CREATE_ENGINE = gql`
  mutation CreateEngine($externalId: String!) {
    createEngine(input: { externalId: $externalId }) {
      id
      lastCycle
    }
  }
`;

const APPEND_SCORED = gql`
  mutation AppendScored($id: Int!, $cycles: [CycleInput!]!) {
    appendCycles(engineId: $id, cycles: $cycles, score: true) {
      engine {
        id
        lastCycle
      }
      scored {
        id
        points {
          id
          endCycle
          score
        }
      }
    }
  }
`;

const ENGINE_SCORES = gql`
  subscription EngineScores($id: Int!) {
    engineScores(engineId: $id) {
      id
      endCycle
      score
      isAnomaly
    }
  }
`;

/** Another selection of the same pushed objects: a normalised cache must keep both. */
const ENGINE_SCORE_THRESHOLDS = gql`
  subscription EngineScoreThresholds($id: Int!) {
    engineScores(engineId: $id) {
      id
      modelVersionId
      threshold
    }
  }
`;

interface JobProgressData {
  trainingJob: {
    id: number;
    status: string;
    progress: { epochsCompleted: number; totalEpochs: number };
    modelVersion: { id: number; version: number } | null;
  };
}

describe('Apollo Client with a normalised cache, through the README operations', () => {
  let testDatabase: TestDatabase;
  let server: TestServer;
  let client: ApolloClient;
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;

  beforeAll(async () => {
    loadDevMessages();
    loadErrorMessages();
    testDatabase = await openTestDatabase('postgresql');
    await importFirstUnits(testDatabase.database.prisma, 8);
    server = await startTestServer(testDatabase.database, {}, { runner: { pollIntervalMs: 20, heartbeatIntervalMs: 200 } });
    server.services.runner.start();
    client = new ApolloClient({ cache: new InMemoryCache(), link: new HttpLink({ uri: `${server.url}/graphql` }) });
  });

  beforeEach(() => {
    warn = jest.spyOn(console, 'warn');
    error = jest.spyOn(console, 'error');
  });

  afterEach(() => {
    // Apollo reports cache data loss and missing fields through console.warn / console.error.
    expect(warn.mock.calls).toEqual([]);
    expect(error.mock.calls).toEqual([]);
    warn.mockRestore();
    error.mockRestore();
  });

  afterAll(async () => {
    client?.stop();
    await server?.services.runner.stop();
    await server?.close();
    await testDatabase?.dispose();
  });

  /** Trains a z-score version (fitted in well under a second) and follows its job as a client would. */
  async function trainVersion(name: string): Promise<number> {
    const split = { trainUnits: [{ from: 1, to: 4 }], calibrationUnits: [{ from: 5, to: 6 }], testUnits: [{ from: 7, to: 8 }] };
    const queued = await client.mutate<{ trainModel: { id: number } }>({
      mutation: TRAIN,
      variables: { input: { name, kind: 'z-score', ...split } },
    });
    const jobId = queued.data!.trainModel.id;
    for (;;) {
      const { data } = await client.query<JobProgressData>({ query: JOB_PROGRESS, variables: { id: jobId }, fetchPolicy: 'network-only' });
      if (data!.trainingJob.status === 'SUCCEEDED') return jobId;
      if (['FAILED', 'CANCELLED'].includes(data!.trainingJob.status)) throw new Error(`job ${jobId} ${data!.trainingJob.status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  let firstJob: number;
  let secondJob: number;
  let versionIds: number[];

  it('follows training jobs and keeps both selections of their progress', async () => {
    firstJob = await trainVersion('first');
    secondJob = await trainVersion('second');
    const epochs = await client.query<any>({ query: JOB_EPOCHS, variables: { id: firstJob } });
    expect(epochs.data!.trainingJob.epochs.length).toBeGreaterThan(0);
    const progress = client.readQuery<JobProgressData>({ query: JOB_PROGRESS, variables: { id: firstJob } });
    expect(progress?.trainingJob).toMatchObject({ id: firstJob, status: 'SUCCEEDED', modelVersion: { id: expect.any(Number) } });
    expect(progress!.trainingJob.progress.epochsCompleted).toBe(progress!.trainingJob.progress.totalEpochs);
    versionIds = [firstJob, secondJob].map(
      (id) => client.readQuery<JobProgressData>({ query: JOB_PROGRESS, variables: { id } })!.trainingJob.modelVersion!.id,
    );
  });

  it('reads a job through a fragment on the Job interface, with possibleTypes', async () => {
    const JOB_FIELDS = gql`
      fragment JobFields on Job {
        id
        status
        attempts
        error
        cancelRequested
        createdAt
        startedAt
        finishedAt
        retryAt
      }
    `;
    const TRAINING_JOB = gql`
      query TrainingJob($id: Int!) {
        trainingJob(id: $id) {
          ...JobFields
          totalEpochs
        }
      }
      ${JOB_FIELDS}
    `;
    const typed = new ApolloClient({
      cache: new InMemoryCache({ possibleTypes: { Job: ['TrainingJob', 'BatchJob'] } }),
      link: new HttpLink({ uri: `${server.url}/graphql` }),
    });
    const { data } = await typed.query<any>({ query: TRAINING_JOB, variables: { id: firstJob } });
    expect(data!.trainingJob).toMatchObject({ id: firstJob, status: 'SUCCEEDED', attempts: 1, error: null, cancelRequested: false });
    expect(typed.readFragment<any>({ id: `TrainingJob:${firstJob}`, fragment: JOB_FIELDS })).toMatchObject({
      status: 'SUCCEEDED',
      finishedAt: data!.trainingJob.finishedAt,
    });
    typed.stop();
  });

  it('activates versions and shows the one replaced as inactive', async () => {
    const first = await client.mutate<any>({ mutation: ACTIVATE, variables: { id: versionIds[0] } });
    expect(first.data!.activateModelVersion).toEqual({
      __typename: 'ModelVersionActivation',
      activated: { __typename: 'ModelVersion', id: versionIds[0], isActive: true },
      previous: null,
    });
    await client.query<any>({ query: VERSIONS });
    await client.query<any>({ query: SERVICE_INFO });

    await client.mutate<any>({ mutation: ACTIVATE, variables: { id: versionIds[1] } });
    const versions = client.readQuery<{ modelVersions: { items: { id: number; isActive: boolean }[] } }>({ query: VERSIONS });
    expect(Object.fromEntries(versions!.modelVersions.items.map((version) => [version.id, version.isActive]))).toEqual({
      [versionIds[0]]: false,
      [versionIds[1]]: true,
    });
    // serviceInfo's active version is read from storage, so the client refetches it to see the change.
    const info = await client.query<any>({ query: SERVICE_INFO, fetchPolicy: 'network-only' });
    expect(info.data!.serviceInfo).toMatchObject({ id: 'service', counts: { engines: 16, modelVersions: 2 } });
    expect(info.data!.serviceInfo.activeModelVersion).toEqual({ __typename: 'ModelVersion', id: versionIds[1], isActive: true });
  });

  it('keeps an engine trajectory read with two different selections', async () => {
    const listed = await client.query<any>({ query: ENGINE_TRAJECTORIES });
    const [engine] = listed.data!.engines.items;
    expect(engine.trajectory.points.length).toBeGreaterThan(0);
    const flags = await client.query<any>({ query: ENGINE_FLAGS, variables: { id: engine.id } });
    expect(flags.data!.engine.trajectory.id).toBe(engine.trajectory.id);
    expect(flags.data!.engine.trajectory.points).toHaveLength(engine.trajectory.points.length);

    // Both answers are still whole in the cache: the second did not replace the first.
    const cachedList = client.readQuery({ query: ENGINE_TRAJECTORIES });
    expect(cachedList).toEqual(listed.data);
    const cachedFlags = client.readQuery({ query: ENGINE_FLAGS, variables: { id: engine.id } });
    expect(cachedFlags).toEqual(flags.data);

    // A range of the same trajectory is another object: it does not overwrite the whole one.
    const range = await client.query<any>({
      query: gql`
        query Range($id: Int!) {
          engine(id: $id) {
            id
            trajectory(fromCycle: 40, toCycle: 41) {
              id
              points {
                id
                endCycle
                score
              }
            }
          }
        }
      `,
      variables: { id: engine.id },
    });
    expect(range.data!.engine.trajectory.points.map((point: { endCycle: number }) => point.endCycle)).toEqual([40, 41]);
    expect(client.readQuery({ query: ENGINE_TRAJECTORIES })).toEqual(listed.data);
  });

  it('pages a cursor connection with relayStylePagination and reads an engine back by its nodeId', async () => {
    const paged = new ApolloClient({
      cache: new InMemoryCache({ typePolicies: { Query: { fields: { enginesConnection: relayStylePagination(['filter']) } } } }),
      link: new HttpLink({ uri: `${server.url}/graphql` }),
    });
    const ENGINES = gql`
      query Engines($after: String) {
        enginesConnection(filter: { role: TRAIN }, first: 3, after: $after) {
          totalCount
          edges {
            cursor
            node {
              id
              nodeId
              unit
            }
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    `;
    const first = await paged.query<any>({ query: ENGINES });
    expect(first.data!.enginesConnection.pageInfo.hasNextPage).toBe(true);
    await paged.query<any>({
      query: ENGINES,
      variables: { after: first.data!.enginesConnection.pageInfo.endCursor },
      fetchPolicy: 'network-only',
    });
    // The field policy merged both pages into one list, in order.
    const merged = paged.readQuery<any>({ query: ENGINES })!.enginesConnection;
    const all = await testDatabase.database.prisma.engine.findMany({ where: { role: 'TRAIN' }, orderBy: { id: 'asc' }, take: 6 });
    expect(merged.edges.map((edge: { node: { id: number } }) => edge.node.id)).toEqual(all.map((engine) => engine.id));

    const [, second] = merged.edges;
    const NODE = gql`
      query Node($nodeId: ID!) {
        node(nodeId: $nodeId) {
          nodeId
          ... on Engine {
            id
            unit
          }
        }
      }
    `;
    const read = await paged.query<any>({ query: NODE, variables: { nodeId: second.node.nodeId } });
    expect(read.data!.node).toEqual(second.node);
    paged.stop();
  });

  it('receives pushed scores through GraphQLWsLink beside HttpLink, with two selections in one cache', async () => {
    const wsClient = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    const isSubscription = ({ query }: ApolloLink.Operation) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    };
    const live = new ApolloClient({
      cache: new InMemoryCache(),
      link: ApolloLink.split(isSubscription, new GraphQLWsLink(wsClient), new HttpLink({ uri: `${server.url}/graphql` })),
    });
    try {
      const created = await live.mutate<any>({ mutation: CREATE_ENGINE, variables: { externalId: 'apollo-live' } });
      const engineId = created.data!.createEngine.id as number;
      const scores: { id: string; endCycle: number; score: number }[] = [];
      const thresholds: { id: string; threshold: number }[] = [];
      const failures: unknown[] = [];
      const watched = [
        live.subscribe<any>({ query: ENGINE_SCORES, variables: { id: engineId } }).subscribe({
          next: (result) => (result.error ? failures.push(result.error) : scores.push(result.data!.engineScores)),
          error: (failure) => failures.push(failure),
        }),
        live.subscribe<any>({ query: ENGINE_SCORE_THRESHOLDS, variables: { id: engineId } }).subscribe({
          next: (result) => (result.error ? failures.push(result.error) : thresholds.push(result.data!.engineScores)),
          error: (failure) => failures.push(failure),
        }),
      ];
      await waitUntil(
        async () => server.services.events.readySubscribers(),
        (ready) => ready === 2,
        30_000,
        'two subscriptions ready',
      );

      const cycles = shippedLines('train_FD001.txt')
        .filter((line) => line.startsWith('1 '))
        .slice(0, 32)
        .map((line) => line.trim().split(/\s+/).slice(2).map(Number))
        .map((row) => ({ settings: row.slice(0, 3), sensors: row.slice(3) }));
      const appended = await live.mutate<any>({ mutation: APPEND_SCORED, variables: { id: engineId, cycles } });
      const points = appended.data!.appendCycles.scored.points as { endCycle: number; score: number }[];
      expect(points.length).toBeGreaterThan(0);
      await waitUntil(
        async () => [scores.length, thresholds.length],
        ([pushed, other]) => pushed >= points.length && other >= points.length,
        30_000,
        'every score pushed to both subscriptions',
      );
      expect(failures).toEqual([]);
      expect(scores.map((score) => [score.endCycle, score.score])).toEqual(points.map((point) => [point.endCycle, point.score]));
      expect(thresholds.map((score) => score.id)).toEqual(scores.map((score) => score.id));
      // Each pushed score is one cache entry holding both selections.
      const cached = live.cache.extract() as Record<string, Record<string, unknown>>;
      for (const score of scores) {
        expect(cached[`EngineScore:${score.id}`]).toMatchObject({
          endCycle: score.endCycle,
          score: score.score,
          threshold: expect.any(Number),
        });
      }
      for (const subscription of watched) subscription.unsubscribe();
      await waitUntil(
        async () => server.services.events.readySubscribers(),
        (ready) => ready === 0,
        30_000,
        'subscriptions completed',
      );
    } finally {
      live.stop();
      await wsClient.dispose();
    }
  });
});
