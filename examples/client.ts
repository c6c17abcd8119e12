// A minimal client: score one window with the active model version, then read an engine's trajectory.
// Node 18+ (global fetch). Run: node dist/examples/client.js [url] [api key]
const url = process.argv[2] ?? 'http://127.0.0.1:4000/graphql';
const apiKey = process.argv[3] ?? process.env.ENGINE_HEALTH_API_KEY;

async function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) throw new Error(body.errors.map((error) => `${error.extensions?.code}: ${error.message}`).join('; '));
  return body.data as T;
}

export async function main(): Promise<void> {
  // 30 cycles of raw readings of FD001 engine 1 (cycles 1-30), as named sensor columns.
  const engines = await graphql<{ engines: { items: { id: number }[] } }>(`
    {
      engines(filter: { dataset: "FD001", role: TRAIN }, page: { limit: 1 }) {
        items {
          id
        }
      }
    }
  `);
  const engineId = engines.engines.items[0].id;
  const history = await graphql<{ engine: { cycles: { sensors: number[] }[] } }>(
    `
      query ($id: Int!) {
        engine(id: $id) {
          cycles(from: 1, to: 30) {
            sensors
          }
        }
      }
    `,
    { id: engineId },
  );
  const columns = Array.from({ length: 21 }, (_, s) => ({
    sensor: `sensor${s + 1}`,
    values: history.engine.cycles.map((cycle) => cycle.sensors[s]),
  }));

  const { scoreWindow } = await graphql<{
    scoreWindow: { score: number; threshold: number; isAnomaly: boolean; contributions: { sensor: string; share: number }[] };
  }>(
    `
      mutation ($window: WindowInput!) {
        scoreWindow(window: $window) {
          score
          threshold
          isAnomaly
          contributions {
            sensor
            share
          }
        }
      }
    `,
    { window: { columns } },
  );
  console.log(`score ${scoreWindow.score.toFixed(4)} (threshold ${scoreWindow.threshold.toFixed(4)}), anomalous: ${scoreWindow.isAnomaly}`);
  console.log(
    'top sensors:',
    scoreWindow.contributions
      .slice(0, 3)
      .map((entry) => `${entry.sensor} ${(entry.share * 100).toFixed(0)}%`)
      .join(', '),
  );

  const { engine } = await graphql<{
    engine: { trajectory: { firstFlaggedCycle: number | null; points: { endCycle: number; score: number; rul: number | null }[] } };
  }>(
    `
      query ($id: Int!) {
        engine(id: $id) {
          trajectory {
            firstFlaggedCycle
            points {
              endCycle
              score
              rul
            }
          }
        }
      }
    `,
    { id: engineId },
  );
  const last = engine.trajectory.points[engine.trajectory.points.length - 1];
  console.log(
    `engine ${engineId}: ${engine.trajectory.points.length} windows, first alarm at cycle ${engine.trajectory.firstFlaggedCycle}, last score ${last.score.toFixed(4)} at RUL ${last.rul}`,
  );
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
