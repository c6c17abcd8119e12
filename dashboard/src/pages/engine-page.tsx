// Engine: the chosen sensors' series over cycles with the flagged windows shaded, the score trajectory
// with the threshold, the first flag and its lead time before failure, under a chosen version.
// The versions with the data sets' catalogues, the cycles and the trajectory are read by three requests
// sent at once (the largest, the cycles, costs about 9,000 of the 50,000 cost limit).
import { useMemo, useState } from 'react';
import { useQuery } from '../api/use-query';
import { href, navigate } from '../router';
import { flaggedRegions } from '../charts/flagged-regions';
import { TimeSeriesChart } from '../charts/time-series-chart';
import { ErrorMessage } from './error-message';

const SENSOR_COLORS = ['#0b5cad', '#1a7f37', '#8250df', '#bf8700', '#cf222e', '#0a7b83'];
const DEFAULT_SENSOR_COUNT = 4;

const VERSIONS_QUERY = `query EngineVersions {
  modelVersions(page: { limit: 100 }) { items { id version name kind isActive sensors } }
  datasets(page: { limit: 100 }) { items { name sensors { name } } }
}`;

const ENGINE_QUERY = `query EngineDetail($id: Int!) {
  engine(id: $id) { id externalId dataset role unit labelling lastCycle rulAfterLastCycle cycles { cycle sensors } }
}`;

const TRAJECTORY_QUERY = `query EngineTrajectory($id: Int!, $version: Int) {
  engine(id: $id) {
    id
    trajectory(modelVersionId: $version) {
      modelVersionId threshold windowLength firstFlaggedCycle flaggedCycles
      points { endCycle score rul }
    }
  }
}`;

interface VersionSummary {
  id: number;
  version: number;
  name: string | null;
  kind: string;
  isActive: boolean;
  sensors: string[];
}

interface EngineDetail {
  id: number;
  externalId: string;
  dataset: string;
  role: string;
  unit: number | null;
  labelling: string;
  lastCycle: number;
  rulAfterLastCycle: number | null;
  cycles: { cycle: number; sensors: number[] }[];
}

export interface TrajectoryAnswer {
  modelVersionId: number;
  threshold: number;
  windowLength: number;
  firstFlaggedCycle: number | null;
  flaggedCycles: number[];
  points: { endCycle: number; score: number; rul: number | null }[];
}

function versionLabel(version: VersionSummary): string {
  return `v${version.version}${version.name ? ` ${version.name}` : ''} (${version.kind})${version.isActive ? ' · active' : ''}`;
}

export function EnginePage({ id, params }: { id: number; params: URLSearchParams }) {
  const versionParam = params.get('version');
  const versionId = versionParam ? Number(versionParam) : null;
  const versions = useQuery<{
    modelVersions: { items: VersionSummary[] };
    datasets: { items: { name: string; sensors: { name: string }[] }[] };
  }>(VERSIONS_QUERY, {});
  const engine = useQuery<{ engine: EngineDetail }>(ENGINE_QUERY, { id });
  const hasVersion = (versions.data?.modelVersions.items.length ?? 0) > 0;
  const trajectory = useQuery<{ engine: { trajectory: TrajectoryAnswer } }>(TRAJECTORY_QUERY, { id, version: versionId });
  const dataset = engine.data?.engine.dataset;

  const shownVersion = versions.data?.modelVersions.items.find(
    (item) => item.id === (trajectory.data?.engine.trajectory.modelVersionId ?? versionId),
  );
  const sensorNames = useMemo(
    () => versions.data?.datasets.items.find((item) => item.name === dataset)?.sensors.map((sensor) => sensor.name) ?? [],
    [versions.data, dataset],
  );
  const [chosen, setChosen] = useState<string[] | null>(null);
  const defaultSensors = shownVersion?.sensors ?? sensorNames;
  const chosenSensors = useMemo(() => chosen ?? defaultSensors.slice(0, DEFAULT_SENSOR_COUNT), [chosen, defaultSensors]);

  const detail = engine.data?.engine;
  const path = trajectory.data?.engine.trajectory;
  const cycles = useMemo(() => detail?.cycles.map((cycle) => cycle.cycle) ?? [], [detail]);
  // Sensor charts shade the cycles flagged windows cover; the score chart, whose x is a window's end
  // cycle, shades the flagged end cycles themselves.
  const regions = useMemo(() => (path ? flaggedRegions(path.flaggedCycles, path.windowLength) : []), [path]);
  const scoreRegions = useMemo(() => (path ? flaggedRegions(path.flaggedCycles, 1) : []), [path]);
  const scoreX = useMemo(() => path?.points.map((point) => point.endCycle) ?? [], [path]);
  const scoreSeries = useMemo(
    () => (path ? [{ label: 'score', values: path.points.map((point) => point.score), color: '#0b5cad' }] : []),
    [path],
  );
  const sensorSeries = useMemo(
    () =>
      chosenSensors.map((name, index) => {
        const column = sensorNames.indexOf(name);
        return {
          name,
          series: [
            {
              label: name,
              values: detail?.cycles.map((cycle) => cycle.sensors[column] ?? null) ?? [],
              color: SENSOR_COLORS[index % SENSOR_COLORS.length],
            },
          ],
        };
      }),
    [chosenSensors, sensorNames, detail],
  );

  const firstFlag = path?.firstFlaggedCycle ?? null;
  const leadTime = firstFlag === null ? null : (path?.points.find((point) => point.endCycle === firstFlag)?.rul ?? null);
  const toggleSensor = (name: string) =>
    setChosen(chosenSensors.includes(name) ? chosenSensors.filter((item) => item !== name) : [...chosenSensors, name]);

  return (
    <main className="page">
      <p>
        <a href={href('')}>← Fleet</a>
      </p>
      <h1>{detail ? `Engine ${detail.externalId}` : `Engine ${id}`}</h1>
      {/* Without any version, the trajectory's refusal says only that: the version list says it better. */}
      <ErrorMessage error={engine.error ?? versions.error ?? (versions.data && !hasVersion ? null : trajectory.error)} />
      {detail && (
        <dl className="facts">
          <div>
            <dt>Data set</dt>
            <dd>{detail.dataset}</dd>
          </div>
          <div>
            <dt>Role</dt>
            <dd>{detail.role.toLowerCase()}</dd>
          </div>
          <div>
            <dt>Cycles</dt>
            <dd>{detail.lastCycle}</dd>
          </div>
          <div>
            <dt>Threshold</dt>
            <dd>{path ? path.threshold.toPrecision(4) : '—'}</dd>
          </div>
          <div>
            <dt>First flag</dt>
            <dd data-testid="first-flag">{path ? (firstFlag === null ? 'never flagged' : `cycle ${firstFlag}`) : '—'}</dd>
          </div>
          <div>
            <dt>Lead time before failure</dt>
            <dd data-testid="lead-time">{leadTime === null ? '—' : `${leadTime} cycles`}</dd>
          </div>
        </dl>
      )}
      <label>
        Version{' '}
        <select
          value={shownVersion?.id ?? ''}
          onChange={(event) => navigate(`engines/${id}`, { version: event.target.value })}
          disabled={!hasVersion}
        >
          {!hasVersion && <option value="">no version trained yet</option>}
          {versions.data?.modelVersions.items.map((item) => (
            <option key={item.id} value={item.id}>
              {versionLabel(item)}
            </option>
          ))}
        </select>
      </label>
      <p className="status" aria-live="polite">
        {engine.loading || trajectory.loading ? 'Loading…' : ''}
      </p>
      <h2>Anomaly score</h2>
      {path && (
        <div
          data-testid="score-chart-block"
          data-flagged-cycles={JSON.stringify(path.flaggedCycles)}
          data-window-length={path.windowLength}
        >
          <TimeSeriesChart
            x={scoreX}
            series={scoreSeries}
            regions={scoreRegions}
            threshold={path.threshold}
            xLabel="window end cycle"
            yLabel="score"
            syncKey={`engine-${id}`}
            label={`Anomaly score of each window along the engine's life, threshold ${path.threshold.toPrecision(4)}, ${scoreRegions.length} flagged runs of windows`}
            testId="score-chart"
          />
        </div>
      )}
      <h2>Sensors</h2>
      <fieldset className="sensor-choice">
        <legend>Sensors shown</legend>
        {sensorNames.map((name) => (
          <label key={name}>
            <input type="checkbox" checked={chosenSensors.includes(name)} onChange={() => toggleSensor(name)} /> {name}
          </label>
        ))}
      </fieldset>
      {detail &&
        sensorSeries.map((item) => (
          <TimeSeriesChart
            key={item.name}
            x={cycles}
            series={item.series}
            regions={regions}
            yLabel={item.name}
            height={140}
            syncKey={`engine-${id}`}
            label={`${item.name} over cycles, flagged windows shaded`}
            testId={`sensor-chart-${item.name}`}
          />
        ))}
    </main>
  );
}
