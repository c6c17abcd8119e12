// Engine: the chosen sensors' series over cycles with the flagged windows shaded, the score trajectory
// with the threshold, a RUL axis under the cycles where RUL is known, the first flag and its lead time
// before failure, under a chosen version; a picked window's per-sensor contributions; and, for a live
// engine, the cycles and scores appends add, as they arrive.
// The engine with the versions and the data sets' catalogues, and the trajectory, are read by two requests
// sent at once, before this page's code has loaded (../api/prefetch.ts). The cycles are read once the
// shown sensors are known (the shown version's first ones, or those chosen), and only those sensors'
// readings: a sensor chosen later is read alone. A live engine's page subscribes to engineScores: each
// score of the shown version is added at once, and the cycles after the last one shown are read by HTTP
// (the subscription carries no readings).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, graphql } from '../api/graphql-client';
import { useSubscription } from '../api/subscriptions';
import { useQuery } from '../api/use-query';
import { href, navigate } from '../router';
import { flaggedRegions } from '../charts/flagged-regions';
import { TimeSeriesChart } from '../charts/time-series-chart';
import { ErrorMessage } from './error-message';
import {
  alertRuleText,
  CYCLES_QUERY,
  defaultSensors,
  engineVersionParam,
  OVERVIEW_QUERY,
  readableSensors,
  sensorNamesOf,
  shownVersionOf,
  TRAJECTORY_QUERY,
} from './engine-queries';
import { gql } from '../api/gql';
import type { EngineNewCyclesQuery, EngineOverviewQuery, EngineTrajectoryQuery } from '../gql/graphql';

const SENSOR_COLORS = ['#0b5cad', '#1a7f37', '#8250df', '#bf8700', '#cf222e', '#0a7b83'];

const SCORES_SUBSCRIPTION = gql(`subscription EngineScores($id: Int!) {
  engineScores(engineId: $id) { modelVersionId endCycle score isAnomaly }
}`);

// Cycles appended since the page read them, with every sensor (a sensor chosen later needs them too).
const NEW_CYCLES_QUERY = gql(`query EngineNewCycles($id: Int!, $from: Int!) {
  engine(id: $id) { id cycles(from: $from) { cycle sensors } }
}`);

// One window's stored score with its per-sensor contributions (a range of one end cycle: a cheap read).
const CONTRIBUTIONS_QUERY = gql(`query WindowContributions($id: Int!, $version: Int!, $endCycle: Int!) {
  engine(id: $id) {
    id
    trajectory(modelVersionId: $version, fromCycle: $endCycle, toCycle: $endCycle) {
      points { endCycle score isAnomaly contributions { sensor share residual } }
    }
  }
}`);

type Cycle = NonNullable<EngineNewCyclesQuery['engine']>['cycles'][number];
type Point = NonNullable<EngineTrajectoryQuery['engine']>['trajectory']['points'][number];
type VersionSummary = EngineOverviewQuery['modelVersionsConnection']['edges'][number]['node'];

function versionLabel(version: VersionSummary): string {
  return `v${version.version}${version.name ? ` ${version.name}` : ''} (${version.kind})${version.isActive ? ' · active' : ''}`;
}

/** What arrived for a live engine after the page read it: cycles, and scores with their version. */
interface LiveAdditions {
  cycles: Cycle[];
  points: (Point & { modelVersionId: number; isAnomaly: boolean })[];
}

const NOTHING_LIVE: LiveAdditions = { cycles: [], points: [] };

export function EnginePage({ id, params }: { id: number; params: URLSearchParams }) {
  const versionId = engineVersionParam(params);
  const overview = useQuery(OVERVIEW_QUERY, { id });
  const versionList = useMemo(() => overview.data?.modelVersionsConnection.edges.map((edge) => edge.node) ?? [], [overview.data]);
  const hasVersion = versionList.length > 0;
  const trajectory = useQuery(TRAJECTORY_QUERY, { id, version: versionId });
  const dataset = overview.data?.engine?.dataset;

  const shownVersion = overview.data
    ? shownVersionOf(overview.data, trajectory.data?.engine?.trajectory.modelVersionId ?? versionId)
    : undefined;
  const sensorNames = useMemo(() => (overview.data ? sensorNamesOf(overview.data, dataset) : []), [overview.data, dataset]);
  const [chosen, setChosen] = useState<string[] | null>(null);
  // As ../api/prefetch.ts picks them, so that the page takes the cycles it read.
  const chosenSensors = useMemo(
    () => chosen ?? (overview.data ? defaultSensors(overview.data, versionId) : []),
    [chosen, overview.data, versionId],
  );

  const read = overview.data?.engine ?? undefined;
  const readPath = trajectory.data?.engine?.trajectory;
  const alertRule = trajectory.data?.engine?.alertRule;
  const readSensors = useMemo(() => readableSensors(chosenSensors, sensorNames), [chosenSensors, sensorNames]);
  const columns = useSensorColumns(id, readSensors);
  const live = useLiveAdditions(id, read?.role === 'LIVE', columns.cycles.at(-1) ?? read?.lastCycle ?? 0);
  // What was read, with the cycles that arrived since (they carry every sensor, in catalogue order).
  const liveCycles = useMemo(
    () => live.additions.cycles.filter((cycle) => cycle.cycle > (columns.cycles.at(-1) ?? 0)),
    [live.additions, columns.cycles],
  );
  const detail = useMemo(
    () => (read ? { ...read, lastCycle: Math.max(read.lastCycle, liveCycles.at(-1)?.cycle ?? 0) } : undefined),
    [read, liveCycles],
  );
  const path = useMemo(() => {
    if (!readPath) return undefined;
    const last = readPath.points.at(-1)?.endCycle ?? 0;
    const added = live.additions.points.filter((point) => point.modelVersionId === readPath.modelVersionId && point.endCycle > last);
    if (!added.length) return readPath;
    const flaggedCycles = [...readPath.flaggedCycles, ...added.filter((point) => point.isAnomaly).map((point) => point.endCycle)];
    return {
      ...readPath,
      points: [...readPath.points, ...added.map(({ endCycle, score, rul }) => ({ endCycle, score, rul }))],
      flaggedCycles,
      firstFlaggedCycle: flaggedCycles[0] ?? null,
    };
  }, [readPath, live.additions]);

  const cycles = useMemo(() => [...columns.cycles, ...liveCycles.map((cycle) => cycle.cycle)], [columns.cycles, liveCycles]);
  // Sensor charts shade the cycles flagged windows cover; the score chart, whose x is a window's end
  // cycle, shades the flagged end cycles themselves.
  const regions = useMemo(() => (path ? flaggedRegions(path.flaggedCycles, path.windowLength) : []), [path]);
  const scoreRegions = useMemo(() => (path ? flaggedRegions(path.flaggedCycles, 1) : []), [path]);
  const scoreX = useMemo(() => path?.points.map((point) => point.endCycle) ?? [], [path]);
  const scoreSeries = useMemo(
    () => (path ? [{ label: 'score', values: path.points.map((point) => point.score), color: '#0b5cad' }] : []),
    [path],
  );
  // A sensor's chart is drawn once its readings are read.
  const sensorSeries = useMemo(
    () =>
      chosenSensors.flatMap((name, index) => {
        const values = columns.values.get(name);
        if (!values) return [];
        const column = sensorNames.indexOf(name);
        const added = liveCycles.map((cycle) => cycle.sensors[column] ?? null);
        return [{ name, series: [{ label: name, values: [...values, ...added], color: SENSOR_COLORS[index % SENSOR_COLORS.length] }] }];
      }),
    [chosenSensors, sensorNames, columns.values, liveCycles],
  );
  // RUL falls by one a cycle: any point that knows it gives it at every cycle.
  const rulAxis = useMemo(() => {
    const known = path?.points.find((point) => point.rul !== null);
    if (!known) return undefined;
    const failure = known.rul! + known.endCycle;
    return { label: 'RUL (cycles to failure)', valueAt: (cycle: number) => failure - cycle };
  }, [path]);

  const firstFlag = path?.firstFlaggedCycle ?? null;
  const leadTime = firstFlag === null ? null : (path?.points.find((point) => point.endCycle === firstFlag)?.rul ?? null);
  const [picked, setPicked] = useState<number | null>(null);
  const pickedWindow = picked ?? firstFlag ?? path?.points.at(-1)?.endCycle ?? null;
  // The picked window's contributions are read only once the cycles have been: on the one embedded
  // database they would otherwise be answered before the cycles, which the sensor charts wait for.
  const toggleSensor = (name: string) =>
    setChosen(chosenSensors.includes(name) ? chosenSensors.filter((item) => item !== name) : [...chosenSensors, name]);

  return (
    <main className="page">
      <p>
        <a href={href('')}>← Fleet</a>
      </p>
      <h1>{detail ? `Engine ${detail.externalId}` : `Engine ${id}`}</h1>
      {/* Without any version, the trajectory's refusal says only that: the version list says it better. */}
      <ErrorMessage error={overview.error ?? columns.error ?? (overview.data && !hasVersion ? null : trajectory.error)} />
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
            <dd data-testid="last-cycle">{detail.lastCycle}</dd>
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
          <div>
            <dt>Alert rule</dt>
            <dd data-testid="alert-rule">{alertRule ? alertRuleText(alertRule) : '—'}</dd>
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
          {versionList.map((item) => (
            <option key={item.id} value={item.id}>
              {versionLabel(item)}
            </option>
          ))}
        </select>
      </label>
      <p className="status" aria-live="polite" data-testid="live-status">
        {overview.loading || trajectory.loading
          ? 'Loading…'
          : detail?.role === 'LIVE'
            ? live.stopped
              ? `Live updates stopped: ${live.stopped}`
              : 'Live: new cycles and scores appear as they are appended.'
            : ''}
      </p>
      <h2>Anomaly score</h2>
      {path && (
        <div
          data-testid="score-chart-block"
          data-version={path.modelVersionId}
          data-flagged-cycles={JSON.stringify(path.flaggedCycles)}
          data-window-length={path.windowLength}
          data-points={path.points.length}
          data-last-end-cycle={path.points.at(-1)?.endCycle ?? ''}
        >
          <TimeSeriesChart
            x={scoreX}
            series={scoreSeries}
            regions={scoreRegions}
            threshold={path.threshold}
            xLabel="window end cycle"
            yLabel="score"
            syncKey={`engine-${id}`}
            secondAxis={rulAxis}
            marker={pickedWindow}
            onPick={setPicked}
            label={`Anomaly score of each window along the engine's life, threshold ${path.threshold.toPrecision(4)}, ${scoreRegions.length} flagged runs of windows`}
            testId="score-chart"
          />
        </div>
      )}
      {path && pickedWindow !== null && (columns.cycles.length > 0 || columns.error) && (
        <WindowContributions
          engineId={id}
          versionId={path.modelVersionId}
          endCycle={pickedWindow}
          firstEnd={path.points[0]?.endCycle ?? pickedWindow}
          lastEnd={path.points.at(-1)?.endCycle ?? pickedWindow}
          onPick={setPicked}
        />
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
            secondAxis={rulAxis}
            label={`${item.name} over cycles, flagged windows shaded`}
            testId={`sensor-chart-${item.name}`}
          />
        ))}
    </main>
  );
}

/** Readings of some sensors, each aligned with `cycles`. */
interface SensorColumns {
  engineId: number;
  cycles: number[];
  values: Map<string, (number | null)[]>;
}

/**
 * The readings of `sensors` over the engine's cycles, each sensor read once: one read for those shown
 * first, one for each sensor chosen later (aligned with the first read's cycles; later cycles of a live
 * engine come with its additions).
 */
function useSensorColumns(engineId: number, sensors: string[]): SensorColumns & { error: ApiError | null } {
  const [read, setRead] = useState<SensorColumns>({ engineId, cycles: [], values: new Map() });
  const current = read.engineId === engineId ? read : { engineId, cycles: [], values: new Map<string, (number | null)[]>() };
  const missing = useMemo(() => sensors.filter((name) => !current.values.has(name)), [sensors, current.values]);
  const answer = useQuery(CYCLES_QUERY, { id: engineId, sensors: missing }, { skip: missing.length === 0 });
  useEffect(() => {
    // An answer is kept only for the variables it was asked with: those of this render.
    if (!answer.data || answer.loading) return;
    const rows = answer.data.engine?.cycles ?? [];
    setRead((previous) => {
      const base =
        previous.engineId === engineId && previous.cycles.length
          ? previous
          : { engineId, cycles: rows.map((row) => row.cycle), values: new Map() };
      const position = new Map(rows.map((row, index) => [row.cycle, index]));
      const values = new Map(base.values);
      missing.forEach((name, column) =>
        values.set(
          name,
          base.cycles.map((cycle) => rows[position.get(cycle) ?? -1]?.sensors[column] ?? null),
        ),
      );
      return { ...base, values };
    });
    // `missing` is left out on purpose: it is what this answer was asked for, not a reason to merge again.
  }, [answer.data, answer.loading]);
  return { ...current, error: answer.error };
}

/**
 * A live engine's additions: each score engineScores pushes, and the cycles after `lastRead` (re-read
 * after each score, one request at a time, since the push carries no readings).
 */
function useLiveAdditions(engineId: number, isLive: boolean, lastRead: number): { additions: LiveAdditions; stopped: string | null } {
  const [additions, setAdditions] = useState<LiveAdditions>(NOTHING_LIVE);
  const lastCycle = useRef(lastRead);
  lastCycle.current = Math.max(lastCycle.current, lastRead);
  const reading = useRef<{ busy: boolean; again: boolean }>({ busy: false, again: false });
  const readNewCycles = useCallback(async () => {
    if (reading.current.busy) {
      reading.current.again = true;
      return;
    }
    reading.current.busy = true;
    try {
      do {
        reading.current.again = false;
        const answer = await graphql(NEW_CYCLES_QUERY, { id: engineId, from: lastCycle.current + 1 });
        const added = (answer.engine?.cycles ?? []).filter((cycle) => cycle.cycle > lastCycle.current);
        if (added.length) {
          lastCycle.current = added[added.length - 1].cycle;
          setAdditions((previous) => ({ ...previous, cycles: [...previous.cycles, ...added] }));
        }
      } while (reading.current.again);
    } catch {
      // The next score pushed reads them again.
    } finally {
      reading.current.busy = false;
    }
  }, [engineId]);
  const stopped = useSubscription(SCORES_SUBSCRIPTION, { id: engineId }, isLive, ({ engineScores: score }) => {
    setAdditions((previous) => ({ ...previous, points: [...previous.points, { ...score, rul: null }] }));
    void readNewCycles();
  });
  return { additions, stopped };
}

/**
 * Which sensors drove one window, and which way: its contributions as the API gives them, beside inputs
 * that pick another window by keyboard (a click on the score chart picks one too).
 */
function WindowContributions(props: {
  engineId: number;
  versionId: number;
  endCycle: number;
  firstEnd: number;
  lastEnd: number;
  onPick: (endCycle: number) => void;
}) {
  const { engineId, versionId, endCycle, firstEnd, lastEnd, onPick } = props;
  const answer = useQuery(CONTRIBUTIONS_QUERY, { id: engineId, version: versionId, endCycle });
  const point = answer.data?.engine?.trajectory.points.find((item) => item.endCycle === endCycle);
  const step = (delta: number) => onPick(Math.min(lastEnd, Math.max(firstEnd, endCycle + delta)));
  return (
    <section aria-labelledby="window-title" className="window-contributions">
      <h2 id="window-title">Window ending at cycle {endCycle}</h2>
      <p className="status">Click a point of the score chart, or choose its end cycle here, to see which sensors drove it.</p>
      <div className="filters">
        <button type="button" onClick={() => step(-1)} disabled={endCycle <= firstEnd}>
          Previous window
        </button>
        <label>
          End cycle{' '}
          <input
            type="number"
            min={firstEnd}
            max={lastEnd}
            value={endCycle}
            onChange={(event) => {
              const value = Number(event.target.value);
              if (Number.isInteger(value) && value >= firstEnd && value <= lastEnd) onPick(value);
            }}
            data-testid="window-end-cycle"
          />
        </label>
        <button type="button" onClick={() => step(1)} disabled={endCycle >= lastEnd}>
          Next window
        </button>
      </div>
      <ErrorMessage error={answer.error} />
      {point && (
        <>
          <p data-testid="window-verdict">
            Score {point.score.toPrecision(4)}, {point.isAnomaly ? 'flagged' : 'not flagged'}.
          </p>
          <table className="scores" data-testid="contributions-table" data-end-cycle={point.endCycle}>
            <caption>Each sensor&apos;s share of the window&apos;s reconstruction error, largest first</caption>
            <thead>
              <tr>
                <th scope="col">Sensor</th>
                <th scope="col">Share of the error</th>
                <th scope="col">Reads</th>
                <th scope="col">Residual (σ)</th>
              </tr>
            </thead>
            <tbody>
              {point.contributions.map((item) => (
                <tr key={item.sensor} data-sensor={item.sensor}>
                  <th scope="row">{item.sensor}</th>
                  <td className="number">{(item.share * 100).toFixed(1)} %</td>
                  <td>{item.residual === null ? '—' : item.residual > 0 ? 'high' : item.residual < 0 ? 'low' : 'as healthy'}</td>
                  <td className="number">{item.residual === null ? '—' : item.residual.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
