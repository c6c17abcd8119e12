// Score a file: a CSV of sensor columns is read in the browser (or a shipped FD001 test engine's cycles
// are read from the API), cut into the version's windows (stride 1) and scored through scoreWindows,
// each with the cycles before it, SCORE_BATCH windows a request; the series are drawn with the flagged
// windows shaded, beside a table of the scores and a CSV of them to download. A bad file is refused with its line and column before any
// request. Scoring needs the scorer role: other keys are told so.
import { useEffect, useMemo, useState, type ChangeEvent } from 'react';
import { ApiError, graphql } from '../api/graphql-client';
import { useQuery } from '../api/use-query';
import { CsvError, parseSensorCsv, scoresCsv, type SensorTable } from '../api/sensor-csv';
import { NeedsRole, useViewer } from '../api/viewer';
import { flaggedRegions } from '../charts/flagged-regions';
import { TimeSeriesChart } from '../charts/time-series-chart';
import { ErrorMessage } from './error-message';
import { gql } from '../api/gql';

/**
 * Cycles sent before each window: a version that looks back (degradation-logistic) compares the window
 * with its engine's readings this far back (the API's LOOK_BACK_CYCLES); others ignore them.
 */
const EARLIER_CYCLES = 50;
/** Windows a request: with their earlier cycles, well within scoreWindows' 1,000 and the 16 MiB body limit. */
const SCORE_BATCH = 200;
const SHOWN_SENSORS = 4;
const SENSOR_COLORS = ['#0b5cad', '#1a7f37', '#8250df', '#bf8700'];

const VERSIONS_QUERY = gql(`query ScoreFileVersions {
  modelVersionsConnection(first: 100) { edges { node { id version name kind isActive sensors windowLength regimes { settings } } } }
}`);

/** The data set whose test engines are offered beside a file (written out in the operation below, whose text is fixed). */
const BUILT_IN_DATASET = 'FD001';

const TEST_ENGINES_QUERY = gql(`query ScoreFileTestEngines {
  enginesConnection(filter: { dataset: "FD001", role: TEST }, first: 500) { edges { node { id externalId unit lastCycle } } }
  dataset(name: "FD001") { sensors { name } settings { name } }
}`);

const ENGINE_CYCLES_QUERY = gql(`query ScoreFileEngineCycles($id: Int!) {
  engine(id: $id) { id externalId cycles { sensors settings } }
}`);

const SCORE_MUTATION = gql(`mutation ScoreFile($version: Int, $windows: [WindowInput!]!) {
  scoreWindows(modelVersionId: $version, windows: $windows) { score threshold isAnomaly }
}`);

interface ScoredWindow {
  endCycle: number;
  score: number;
  threshold: number;
  isAnomaly: boolean;
}

interface Result {
  fileName: string;
  table: SensorTable;
  windowLength: number;
  sensors: string[];
  scores: ScoredWindow[];
}

export function ScoreFilePage() {
  const viewer = useViewer();
  const allowed = viewer.can('SCORER');
  const versions = useQuery(VERSIONS_QUERY, {}, { skip: !allowed });
  const testEngines = useQuery(TEST_ENGINES_QUERY, {}, { skip: !allowed });
  const items = useMemo(() => versions.data?.modelVersionsConnection.edges.map((edge) => edge.node) ?? [], [versions.data]);
  // In unit order, as the list offers them (the connection is in creation order).
  const engines = useMemo(
    () => (testEngines.data?.enginesConnection.edges ?? []).map((edge) => edge.node).sort((a, b) => (a.unit ?? a.id) - (b.unit ?? b.id)),
    [testEngines.data],
  );
  const [chosenId, setChosenId] = useState<number | null>(null);
  const [engineId, setEngineId] = useState('');
  const version = items.find((item) => item.id === chosenId) ?? items.find((item) => item.isActive) ?? items[0];
  const [state, setState] = useState<{ busy: boolean; error: string | null; apiError: ApiError | null; result: Result | null }>({
    busy: false,
    error: null,
    apiError: null,
    result: null,
  });

  /** Scores every window of `read()`'s table under the chosen version. */
  const scoreTable = async (read: (required: string[]) => Promise<{ name: string; table: SensorTable }>) => {
    if (!version) return;
    setState({ busy: true, error: null, apiError: null, result: null });
    try {
      const required = [...version.sensors, ...(version.regimes?.settings ?? [])];
      const { name, table } = await read(required);
      const length = version.windowLength;
      if (table.rows < length) throw new CsvError(`${name} has ${table.rows} rows: a window of this version needs ${length}`);
      const windows = [];
      for (let end = length; end <= table.rows; end++) {
        windows.push({
          columns: required.map((column) => ({
            sensor: column,
            values: table.columns.get(column)!.slice(Math.max(0, end - length - EARLIER_CYCLES), end),
          })),
        });
      }
      const scores: ScoredWindow[] = [];
      for (let start = 0; start < windows.length; start += SCORE_BATCH) {
        const answer = await graphql(SCORE_MUTATION, {
          version: version.id,
          windows: windows.slice(start, start + SCORE_BATCH),
        });
        answer.scoreWindows.forEach((item, index) => scores.push({ ...item, endCycle: length + start + index }));
      }
      setState({
        busy: false,
        error: null,
        apiError: null,
        result: { fileName: name, table, windowLength: length, sensors: version.sensors, scores },
      });
    } catch (error) {
      if (error instanceof ApiError) setState({ busy: false, error: null, apiError: error, result: null });
      else setState({ busy: false, error: error instanceof Error ? error.message : String(error), apiError: null, result: null });
    }
  };

  const scoreFile = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (file) void scoreTable(async (required) => ({ name: file.name, table: parseSensorCsv(await file.text(), required, file.name) }));
  };

  // A stored engine's cycles as the table a CSV of them would give: columns named by the data set's catalogue.
  const scoreEngine = (id: string) => {
    setEngineId(id);
    const catalogue = testEngines.data?.dataset;
    if (!id || !catalogue) return;
    void scoreTable(async (required) => {
      const { engine } = await graphql(ENGINE_CYCLES_QUERY, { id: Number(id) });
      if (!engine) throw new ApiError(`engine ${id} no longer exists`, 'NOT_FOUND', 200);
      const columns = new Map<string, number[]>();
      catalogue.sensors.forEach((column, index) =>
        columns.set(
          column.name,
          engine.cycles.map((cycle) => cycle.sensors[index]),
        ),
      );
      catalogue.settings.forEach((column, index) =>
        columns.set(
          column.name,
          engine.cycles.map((cycle) => cycle.settings[index]),
        ),
      );
      const name = `${BUILT_IN_DATASET} ${engine.externalId}`;
      const missing = required.find((column) => !columns.has(column));
      if (missing) throw new CsvError(`${name} has no column "${missing}", which the version reads`);
      return { name, table: { columns, rows: engine.cycles.length } };
    });
  };

  if (viewer.known && !allowed) {
    return (
      <main className="page">
        <h1>Score a file</h1>
        <NeedsRole role="SCORER" what="Scoring a file" />
      </main>
    );
  }
  return (
    <main className="page">
      <h1>Score a file</h1>
      <p className="lead">
        A CSV with a header row and one row per cycle, holding at least the version&apos;s sensor columns (other columns are ignored); every
        window of the version&apos;s length is scored, with the {EARLIER_CYCLES} cycles before it that a version looking back compares it
        with. Or pick one of the shipped {BUILT_IN_DATASET} test engines: its cycles are scored the same way.
      </p>
      <ErrorMessage error={versions.error ?? testEngines.error ?? state.apiError} />
      <div className="filters">
        <label>
          Version{' '}
          <select value={version?.id ?? ''} onChange={(event) => setChosenId(Number(event.target.value))} disabled={!items.length}>
            {!items.length && (
              <option value="">{versions.loading || !viewer.known ? 'loading versions…' : 'no version trained yet'}</option>
            )}
            {items.map((item) => (
              <option key={item.id} value={item.id}>
                v{item.version}
                {item.name ? ` ${item.name}` : ''} ({item.kind}){item.isActive ? ' · active' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          CSV file <input type="file" accept=".csv,text/csv,text/plain" onChange={scoreFile} disabled={!version || state.busy} />
        </label>
        <label>
          Or a test engine{' '}
          <select
            value={engineId}
            onChange={(event) => scoreEngine(event.target.value)}
            disabled={!version || !engines.length || state.busy}
            data-testid="test-engine-choice"
          >
            <option value="">
              {testEngines.loading || !viewer.known ? 'loading engines…' : engines.length ? 'choose…' : 'none shipped'}
            </option>
            {engines.map((engine) => (
              <option key={engine.id} value={engine.id}>
                {engine.unit !== null ? `unit ${engine.unit}` : engine.externalId} ({engine.lastCycle} cycles)
              </option>
            ))}
          </select>
        </label>
      </div>
      {version && (
        <p className="status">
          Reads {version.sensors.join(', ')}
          {version.regimes ? ` and the settings ${version.regimes.settings.join(', ')}` : ''}; windows of {version.windowLength} cycles.
        </p>
      )}
      {state.error && (
        <p className="error" role="alert" data-testid="file-error">
          {state.error}
        </p>
      )}
      <p className="status" aria-live="polite">
        {state.busy ? 'Scoring…' : ''}
      </p>
      {state.result && <ScoreResult result={state.result} />}
    </main>
  );
}

function ScoreResult({ result }: { result: Result }) {
  const flagged = useMemo(() => result.scores.filter((item) => item.isAnomaly).map((item) => item.endCycle), [result]);
  const regions = useMemo(() => flaggedRegions(flagged, result.windowLength), [flagged, result]);
  const scoreRegions = useMemo(() => flaggedRegions(flagged, 1), [flagged]);
  const cycles = useMemo(() => Array.from({ length: result.table.rows }, (_, index) => index + 1), [result]);
  const scoreX = useMemo(() => result.scores.map((item) => item.endCycle), [result]);
  const scoreSeries = useMemo(() => [{ label: 'score', values: result.scores.map((item) => item.score), color: '#0b5cad' }], [result]);
  const sensorSeries = useMemo(
    () =>
      result.sensors.slice(0, SHOWN_SENSORS).map((name, index) => ({
        name,
        series: [{ label: name, values: result.table.columns.get(name)!, color: SENSOR_COLORS[index % SENSOR_COLORS.length] }],
      })),
    [result],
  );
  const download = useMemo(() => URL.createObjectURL(new Blob([scoresCsv(result.scores)], { type: 'text/csv' })), [result]);
  useEffect(() => () => URL.revokeObjectURL(download), [download]);
  const threshold = result.scores[0]?.threshold ?? 0;
  return (
    <section aria-labelledby="result-title" data-testid="score-result" data-flagged-cycles={JSON.stringify(flagged)}>
      <h2 id="result-title">
        {result.fileName}: {result.scores.length} windows, {flagged.length} flagged
      </h2>
      <p>
        <a href={download} download={`${result.fileName.replace(/\.[^.]*$/, '')}-scores.csv`} data-testid="scores-download">
          Download the scores (CSV)
        </a>
      </p>
      <TimeSeriesChart
        x={scoreX}
        series={scoreSeries}
        regions={scoreRegions}
        threshold={threshold}
        xLabel="window end row"
        yLabel="score"
        syncKey="score-file"
        label={`Score of each window of ${result.fileName}, threshold ${threshold.toPrecision(4)}`}
        testId="file-score-chart"
      />
      {sensorSeries.map((item) => (
        <TimeSeriesChart
          key={item.name}
          x={cycles}
          series={item.series}
          regions={regions}
          xLabel="row"
          yLabel={item.name}
          height={140}
          syncKey="score-file"
          label={`${item.name} over the file's rows, flagged windows shaded`}
          testId={`file-sensor-chart-${item.name}`}
        />
      ))}
      <h2>Scores</h2>
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Scores of every window">
        <table className="scores" data-testid="scores-table">
          <thead>
            <tr>
              <th scope="col">Window end row</th>
              <th scope="col">Score</th>
              <th scope="col">Flagged</th>
            </tr>
          </thead>
          <tbody>
            {result.scores.map((item) => (
              <tr key={item.endCycle} className={item.isAnomaly ? 'flagged' : undefined}>
                <td className="number">{item.endCycle}</td>
                <td className="number">{item.score.toPrecision(4)}</td>
                <td>{item.isAnomaly ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
