// Moving model versions between deployments over HTTP: versions of every portable kind, trained on a
// multi-condition data set (regimes) in one deployment (PostgreSQL), are exported with GET
// /model-versions/{id}/export and imported with POST /model-versions/import into another (embedded
// PGlite) that holds no data at all; both then score the same raw windows, by named columns, bit for bit
// alike. An ensemble brings its members along. The autoencoder's file loads in stock TensorFlow.js.
// Damaged, changed, unknown or inconsistent files, uploads a form could send, keys without the role and
// oversized uploads are refused, writing nothing.
import * as tf from '@tensorflow/tfjs';
import { deserialiseModel, loadLayersModel, selectBackend, type WeightSpec } from '../../src/detectors/lstm-autoencoder/engine';
import { reconstructionErrors } from '../../src/detectors/lstm-autoencoder/engine/inference';
import type { WindowInput } from '../../src/modules/scoring/scoring-service';
import { MAX_PORTABLE_FILE_BYTES } from '../../src/modules/registry/portable-version';
import { importMultiCondition } from '../support/cmapss-fixtures';
import { openTestDatabase, type TestDatabase } from '../support/databases';
import { startTestServer, type TestServer } from '../support/http';
import { bearer, request } from '../support/requests';
import { createHash } from 'node:crypto';

const SPLIT = {
  dataset: 'FD002',
  trainUnits: [{ from: 1, to: 4 }],
  calibrationUnits: [{ from: 5, to: 6 }],
  testUnits: [{ from: 7, to: 8 }],
  windowLength: 10,
};
const TRAINED_KINDS = ['lstm-autoencoder', 'isolation-forest', 'local-outlier-factor', 'pca-reconstruction', 'z-score'];
const PORTABLE_KINDS = [...TRAINED_KINDS, 'ensemble'];

describe('model version export and import over HTTP', () => {
  let sourceDatabase: TestDatabase;
  let targetDatabase: TestDatabase;
  let source: TestServer;
  let target: TestServer;
  const keys = { sourceReader: '', targetOperator: '', targetReader: '' };
  const versions = new Map<string, number>();
  let windows: WindowInput[];

  async function train(input: Record<string, unknown>): Promise<number> {
    const job = await source.services.jobs.enqueue(input);
    const finished = await source.services.runner.runNext(job.id);
    if (finished?.status !== 'SUCCEEDED') throw new Error(`job ${job.id}: ${finished?.status} ${finished?.error}`);
    return finished.modelVersionId!;
  }

  function exportFile(id: number | string, key = keys.sourceReader) {
    return request(`${source.url}/model-versions/${id}/export`, { headers: bearer(key) });
  }

  function importFile(body: string | Buffer, query = '', headers: Record<string, string> = {}) {
    return request(`${target.url}/model-versions/import${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(keys.targetOperator), ...headers },
      body,
    });
  }

  /** Everything an import could write in the target deployment. */
  async function targetState() {
    const prisma = targetDatabase.database.prisma;
    return {
      versions: await prisma.modelVersion.findMany({ select: { id: true, isActive: true }, orderBy: { id: 'asc' } }),
      aliases: await prisma.modelVersionAlias.findMany(),
    };
  }

  /** A file whose content was changed and its checksum recomputed, as a careful forger would. */
  function reSealed(text: string, change: (content: Record<string, any>) => void): string {
    const file = JSON.parse(text);
    change(file.content);
    file.checksum = `sha256:${createHash('sha256').update(JSON.stringify(file.content)).digest('hex')}`;
    return JSON.stringify(file);
  }

  beforeAll(async () => {
    await selectBackend();
    sourceDatabase = await openTestDatabase('postgresql');
    targetDatabase = await openTestDatabase('embedded');
    await importMultiCondition(sourceDatabase.database.prisma, 8);
    const auth = { auth: { enabled: true, cacheTtlMs: 0 } };
    source = await startTestServer(sourceDatabase.database, auth);
    target = await startTestServer(targetDatabase.database, auth);
    keys.sourceReader = (await source.services.apiKeys.create('reader', ['reader'])).key;
    keys.targetOperator = (await target.services.apiKeys.create('operator', ['operator'])).key;
    keys.targetReader = (await target.services.apiKeys.create('reader', ['reader'])).key;
    for (const kind of TRAINED_KINDS) {
      const network = kind === 'lstm-autoencoder' ? { hidden: 4, code: 2, epochs: 2, batchSize: 64, seed: 3 } : {};
      versions.set(kind, await train({ ...SPLIT, kind, name: kind, ...network }));
    }
    const members = [versions.get('z-score'), versions.get('pca-reconstruction')];
    versions.set('ensemble', await train({ ...SPLIT, kind: 'ensemble', name: 'ensemble', kindOptions: { ensemble: { members } } }));

    // Raw windows of a test engine by named columns: every sensor and setting of the data set's catalogue.
    const prisma = sourceDatabase.database.prisma;
    const dataset = await prisma.dataset.findFirstOrThrow({ where: { name: 'FD002' } });
    const engine = await prisma.engine.findFirstOrThrow({ where: { datasetId: dataset.id, role: 'TEST', unit: 1 } });
    const cycles = await prisma.cycle.findMany({ where: { engineId: engine.id }, orderBy: { cycle: 'asc' } });
    const sensorNames = (dataset.sensors as { name: string }[]).map((column) => column.name);
    const settingNames = (dataset.settings as { name: string }[]).map((column) => column.name);
    windows = [0, 5, 11, cycles.length - SPLIT.windowLength].map((start) => {
      const rows = cycles.slice(start, start + SPLIT.windowLength);
      return {
        columns: [
          ...sensorNames.map((sensor, s) => ({ sensor, values: rows.map((row) => row.sensors[s]) })),
          ...settingNames.map((sensor, s) => ({ sensor, values: rows.map((row) => row.settings[s]) })),
        ],
      };
    });
  });

  afterAll(async () => {
    await source?.close();
    await target?.close();
    await sourceDatabase?.dispose();
    await targetDatabase?.dispose();
  });

  it.each(PORTABLE_KINDS)('a %s version imported elsewhere scores the same windows bit for bit alike', async (kind) => {
    const id = versions.get(kind)!;
    const exported = await exportFile(id);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="model-version-\\d+-${kind}\\.json"$`));
    expect(exported.json).toMatchObject({
      format: 'engine-health/model-version',
      formatVersion: 1,
      content: { kind, regimes: { settings: expect.any(Array) } },
    });

    const imported = await importFile(exported.text);
    expect(imported.status).toBe(201);
    expect(imported.json).toMatchObject({ kind, name: kind, isActive: false });
    const copy = imported.json.id as number;

    const [here, there] = await Promise.all([
      source.services.scoring.scoreWindows(windows, id),
      target.services.scoring.scoreWindows(windows, copy),
    ]);
    const comparable = (results: typeof here) =>
      results.map(({ score, threshold, isAnomaly, reconstructionError, contributions, cached }) => ({
        score,
        threshold,
        isAnomaly,
        reconstructionError,
        contributions,
        cached,
      }));
    // toEqual compares numbers with Object.is: equal means the same bits.
    expect(comparable(there)).toEqual(comparable(here));
    expect(there.every((result) => result.modelVersionId === copy && !result.cached)).toBe(true);

    const lineage = await target.graphql(
      `query ($id: Int!) { modelVersion(id: $id) { isActive lineage { dataset dataFingerprint trainingJobId importedFrom { sourceId sourceVersion sourceName exportedBy checksum } } } }`,
      { id: copy },
      bearer(keys.targetReader),
    );
    expect(lineage.errors).toBeUndefined();
    const original = await sourceDatabase.database.prisma.modelVersion.findUniqueOrThrow({ where: { id } });
    expect(lineage.data.modelVersion).toEqual({
      isActive: false,
      lineage: {
        dataset: 'FD002',
        dataFingerprint: (original.trainedOn as { dataFingerprint: string }).dataFingerprint,
        trainingJobId: null,
        importedFrom: {
          sourceId: id,
          sourceVersion: original.version,
          sourceName: kind,
          exportedBy: expect.any(String),
          checksum: exported.json.checksum,
        },
      },
    });
  });

  it("the autoencoder's file is a TensorFlow.js layers model that reconstructs windows as the version does", async () => {
    const file = JSON.parse((await exportFile(versions.get('lstm-autoencoder')!)).text).content.artifact;
    expect(file.format).toBe('layers-model');
    const weightData = Buffer.from(file.weightData, 'base64');
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: file.modelTopology, weightSpecs: file.weightSpecs, weightData: new Uint8Array(weightData).buffer }),
    );
    const stored = await sourceDatabase.database.prisma.modelVersion.findUniqueOrThrow({
      where: { id: versions.get('lstm-autoencoder')! },
    });
    const serialised = {
      topology: (stored.artifact as { topology: Record<string, unknown> }).topology,
      weightSpecs: (stored.artifact as unknown as { weightSpecs: WeightSpec[] }).weightSpecs,
      weights: Buffer.from(stored.artifactBinary!),
    };
    const reference = await loadLayersModel(serialised);
    const loaded = await source.services.models.load({ id: stored.id });
    const batch = loaded.normalise(
      windows.map((window) => {
        const raw = new Float64Array(SPLIT.windowLength * stored.sensors.length);
        stored.sensors.forEach((sensor, s) =>
          window
            .columns!.find((column) => column.sensor === sensor)!
            .values.forEach((value, t) => (raw[t * stored.sensors.length + s] = value)),
        );
        return raw;
      }),
      windows.map((window) => {
        const names = loaded.regimes!.settings;
        const rows = new Float64Array(SPLIT.windowLength * names.length);
        names.forEach((name, s) =>
          window.columns!.find((column) => column.sensor === name)!.values.forEach((value, t) => (rows[t * names.length + s] = value)),
        );
        return rows;
      }),
    );
    const input = tf.tensor3d(batch.x, [batch.count, batch.windowLength, batch.features]);
    const [fromFile, fromVersion] = [model.predict(input) as tf.Tensor, reference.predict(input) as tf.Tensor];
    const reconstruction = (await fromFile.data()) as Float32Array;
    expect(Buffer.from(reconstruction.buffer)).toEqual(Buffer.from(((await fromVersion.data()) as Float32Array).buffer));
    // The service's own passes agree with stock tf.layers to float32 rounding.
    const errors = reconstructionErrors(deserialiseModel(serialised), batch.x, batch.count);
    const { features, windowLength } = batch;
    for (let n = 0; n < batch.count; n++) {
      let sum = 0;
      for (let i = n * windowLength * features; i < (n + 1) * windowLength * features; i++) sum += (reconstruction[i] - batch.x[i]) ** 2;
      expect(errors.windowErrors[n]).toBeCloseTo(sum / (windowLength * features), 5);
    }
    tf.dispose([input, fromFile, fromVersion]);
    model.dispose();
    reference.dispose();
  });

  it('imports as the active version under an alias when asked', async () => {
    const exported = await exportFile(versions.get('z-score')!);
    const imported = await importFile(exported.text, '?activate=true&alias=champion');
    expect(imported.status).toBe(201);
    expect(imported.json).toMatchObject({ kind: 'z-score', isActive: true });
    const state = await targetState();
    expect(state.versions.filter((version) => version.isActive)).toEqual([{ id: imported.json.id, isActive: true }]);
    expect(state.aliases).toEqual([expect.objectContaining({ name: 'champion', modelVersionId: imported.json.id })]);
    // Scoring with the active version needs no version id.
    const [result] = await target.services.scoring.scoreWindows(windows.slice(0, 1));
    expect(result.modelVersionId).toBe(imported.json.id);
  });

  it('refuses damaged, changed, unknown and inconsistent files, writing nothing', async () => {
    const text = (await exportFile(versions.get('isolation-forest')!)).text;
    const ensembleText = (await exportFile(versions.get('ensemble')!)).text;
    const before = await targetState();
    const refusals: [string, string | Buffer, RegExp][] = [
      ['not JSON', text.slice(0, text.length / 2), /not JSON/],
      ['another format', JSON.stringify({ format: 'something-else', formatVersion: 1 }), /not a portable model version/],
      [
        'a later format version',
        JSON.stringify({ ...JSON.parse(text), formatVersion: 2 }),
        /format version 2 is not one this service reads/,
      ],
      [
        'a changed threshold',
        text.replace(/"threshold":([-0-9.e+]+)/, (_, value) => `"threshold":${Number(value) * 2}`),
        /does not match its checksum/,
      ],
      ['a missing field, re-sealed', reSealed(text, (content) => delete content.windowLength), /windowLength/],
      ['a short normalisation, re-sealed', reSealed(text, (content) => content.normalisation.mean.pop()), /normalisation must hold/],
      ['an unknown kind, re-sealed', reSealed(text, (content) => (content.kind = 'crystal-ball')), /unknown detector kind "crystal-ball"/],
      ['an ensemble without its members, re-sealed', reSealed(ensembleText, (content) => delete content.members), /must carry its members/],
      [
        'a truncated artifact, re-sealed',
        reSealed(text, (content) => (content.artifact.binary = content.artifact.binary.slice(0, 64))),
        /cannot be loaded/,
      ],
    ];
    for (const [what, body, message] of refusals) {
      const answer = await importFile(body);
      expect({ what, status: answer.status, code: answer.json?.errors?.[0]?.extensions?.code }).toEqual({
        what,
        status: 400,
        code: 'INVALID_VERSION_FILE',
      });
      expect(answer.json.errors[0].message).toMatch(message);
    }
    expect(await targetState()).toEqual(before);
  });

  it('an ensemble brings its members, registered with it and named by their new ids', async () => {
    const before = await targetState();
    const imported = await importFile((await exportFile(versions.get('ensemble')!)).text);
    expect(imported.status).toBe(201);
    const added = (await targetState()).versions.filter((version) => !before.versions.some((known) => known.id === version.id));
    expect(added.length).toBe(3);
    const prisma = targetDatabase.database.prisma;
    const ensemble = await prisma.modelVersion.findUniqueOrThrow({ where: { id: imported.json.id } });
    const members = (ensemble.options as { members: number[] }).members;
    expect([...members, ensemble.id].sort()).toEqual(added.map((version) => version.id).sort());
    const sources = await prisma.modelVersion.findMany({ where: { id: { in: members } } });
    expect(members.map((id) => sources.find((member) => member.id === id)!.name)).toEqual(['z-score', 'pca-reconstruction']);
    expect(members.map((id) => (sources.find((member) => member.id === id)!.trainedOn as any).importedFrom.source.id)).toEqual([
      versions.get('z-score'),
      versions.get('pca-reconstruction'),
    ]);
  });

  it('answers NOT_FOUND for an unknown version and BAD_USER_INPUT for a malformed id', async () => {
    expect((await exportFile(424242)).status).toBe(404);
    expect((await exportFile('abc')).status).toBe(400);
  });

  it('refuses uploads a form could send, keys without the role, bad options and oversized files, writing nothing', async () => {
    const text = (await exportFile(versions.get('pca-reconstruction')!)).text;
    const before = await targetState();
    const form = await importFile(text, '', { 'content-type': 'text/plain' });
    expect(form.status).toBe(400);
    const reader = await importFile(text, '', bearer(keys.targetReader));
    expect(reader.status).toBe(403);
    expect((await exportFile(versions.get('z-score')!, keys.targetOperator)).status).toBe(401);
    const badAlias = await importFile(text, '?alias=1st');
    expect(badAlias.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const badOption = await importFile(text, '?activate=yes');
    expect(badOption.status).toBe(400);
    const tooLarge = await importFile(Buffer.alloc(MAX_PORTABLE_FILE_BYTES + 1, 32));
    expect(tooLarge.status).toBe(413);
    expect(await targetState()).toEqual(before);
  });
});
