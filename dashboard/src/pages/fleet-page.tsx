// Fleet: engines of every data set (filtered by data set and role), a page at a time, each with its
// trajectory under the active version: latest score against the threshold, flagged or not, first
// flagged cycle, a sparkline. A page holds FLEET_PAGE_SIZE engines so that one request stays within
// the API's cost limit (a trajectory with its points costs about 1,600; the limit is 50,000).
import { useMemo, useState } from 'react';
import { useQuery } from '../api/use-query';
import { href, navigate } from '../router';
import { Sparkline } from '../charts/sparkline';
import { ErrorMessage } from './error-message';

export const FLEET_PAGE_SIZE = 20;
const ROLES = ['TRAIN', 'TEST', 'LIVE'] as const;

export const FLEET_CONTEXT_QUERY = `query FleetContext {
  activeModelVersion { id version name threshold }
  datasets(page: { limit: 100 }) { items { name } }
}`;

const ENGINE_FIELDS = 'id dataset role unit externalId lastCycle';
const FLEET_QUERY = `query Fleet($filter: EngineFilter, $page: PageInput) {
  engines(filter: $filter, page: $page) { totalCount hasMore items { ${ENGINE_FIELDS} } }
}`;
export const FLEET_SCORED_QUERY = `query FleetScored($filter: EngineFilter, $page: PageInput) {
  engines(filter: $filter, page: $page) {
    totalCount hasMore
    items { ${ENGINE_FIELDS} trajectory { threshold firstFlaggedCycle points { score } } }
  }
}`;

interface FleetContext {
  activeModelVersion: { id: number; version: number; name: string | null; threshold: number } | null;
  datasets: { items: { name: string }[] };
}

interface FleetEngine {
  id: number;
  dataset: string;
  role: string;
  unit: number | null;
  externalId: string;
  lastCycle: number;
  // Scores in cycle order: the sparkline and the latest score need no cycle numbers.
  trajectory?: { threshold: number; firstFlaggedCycle: number | null; points: { score: number }[] };
}

interface FleetAnswer {
  engines: { totalCount: number; hasMore: boolean; items: FleetEngine[] };
}

type SortKey = 'unit' | 'lastCycle' | 'latestScore' | 'firstFlaggedCycle';

function latestScore(engine: FleetEngine): number | null {
  const points = engine.trajectory?.points ?? [];
  return points.length ? points[points.length - 1].score : null;
}

function sortValue(engine: FleetEngine, key: SortKey): number | null {
  switch (key) {
    case 'unit':
      return engine.unit ?? engine.id;
    case 'lastCycle':
      return engine.lastCycle;
    case 'latestScore':
      return latestScore(engine);
    case 'firstFlaggedCycle':
      return engine.trajectory?.firstFlaggedCycle ?? null;
  }
}

/** The page's filter, offset and the variables of its engine read, from the address. */
export function fleetView(params: URLSearchParams) {
  const dataset = params.get('dataset') ?? '';
  const role = params.get('role') ?? '';
  const offset = Math.max(0, Number(params.get('offset')) || 0);
  const filter = { ...(dataset ? { dataset } : {}), ...(role ? { role } : {}) };
  return { dataset, role, offset, variables: { filter, page: { limit: FLEET_PAGE_SIZE, offset } } };
}

export function FleetPage({ params }: { params: URLSearchParams }) {
  const { dataset, role, offset, variables } = fleetView(params);
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'unit', descending: false });

  const context = useQuery<FleetContext>(FLEET_CONTEXT_QUERY, {});
  const active = context.data?.activeModelVersion ?? null;
  const fleet = useQuery<FleetAnswer>(active ? FLEET_SCORED_QUERY : FLEET_QUERY, variables, { skip: !context.data });

  const rows = useMemo(() => {
    const items = [...(fleet.data?.engines.items ?? [])];
    // Engines without a value (no score yet, never flagged) go last whichever the direction.
    return items.sort((a, b) => {
      const left = sortValue(a, sort.key);
      const right = sortValue(b, sort.key);
      if (left === null || right === null) return left === right ? 0 : left === null ? 1 : -1;
      return sort.descending ? right - left : left - right;
    });
  }, [fleet.data, sort]);

  const go = (changes: Record<string, string | number | undefined>) => navigate('', { dataset, role, offset, ...changes });
  const total = fleet.data?.engines.totalCount ?? 0;

  const header = (key: SortKey, label: string) => {
    const current = sort.key === key;
    return (
      <th scope="col" aria-sort={current ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
        <button type="button" className="sort-button" onClick={() => setSort({ key, descending: current ? !sort.descending : false })}>
          {label}
          {current ? (sort.descending ? ' ▼' : ' ▲') : ''}
        </button>
      </th>
    );
  };

  return (
    <main className="page">
      <h1>Fleet</h1>
      <p className="lead">
        {active
          ? `Scores under the active version, v${active.version}${active.name ? ` (${active.name})` : ''}: threshold ${active.threshold.toPrecision(4)}.`
          : context.data
            ? 'No version is active: train one and activate it to see scores.'
            : ''}
      </p>
      <form className="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Data set{' '}
          <select value={dataset} onChange={(event) => go({ dataset: event.target.value, offset: 0 })}>
            <option value="">All</option>
            {(context.data?.datasets.items ?? []).map((item) => (
              <option key={item.name} value={item.name}>
                {item.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Role{' '}
          <select value={role} onChange={(event) => go({ role: event.target.value, offset: 0 })}>
            <option value="">All</option>
            {ROLES.map((item) => (
              <option key={item} value={item}>
                {item.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorMessage error={context.error ?? (context.data ? fleet.error : null)} />
      <p className="status" aria-live="polite">
        {fleet.loading
          ? 'Loading engines…'
          : fleet.data
            ? `Engines ${total ? offset + 1 : 0}–${offset + rows.length} of ${total} (sorting applies to this page).`
            : ''}
      </p>
      <table className="fleet" data-testid="fleet-table">
        <thead>
          <tr>
            <th scope="col">Engine</th>
            <th scope="col">Data set</th>
            <th scope="col">Role</th>
            {header('unit', 'Unit')}
            {header('lastCycle', 'Cycles')}
            {header('latestScore', 'Latest score')}
            <th scope="col">Flagged</th>
            {header('firstFlaggedCycle', 'First flag')}
            <th scope="col">Score along its life</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((engine) => {
            const score = latestScore(engine);
            const flagged = engine.trajectory ? engine.trajectory.firstFlaggedCycle !== null : null;
            return (
              <tr key={engine.id} data-engine-id={engine.id} className={flagged ? 'flagged' : undefined}>
                <td>
                  <a href={href(`engines/${engine.id}`)}>{engine.externalId}</a>
                </td>
                <td>{engine.dataset}</td>
                <td>{engine.role.toLowerCase()}</td>
                <td className="number">{engine.unit ?? '—'}</td>
                <td className="number">{engine.lastCycle}</td>
                <td className="number">
                  {score === null ? '—' : score.toPrecision(4)}
                  {score !== null && engine.trajectory && (score > engine.trajectory.threshold ? ' ▲' : '')}
                </td>
                <td>{flagged === null ? '—' : flagged ? 'yes' : 'no'}</td>
                <td className="number">{engine.trajectory?.firstFlaggedCycle ?? '—'}</td>
                <td>
                  {engine.trajectory && engine.trajectory.points.length > 1 ? (
                    <Sparkline
                      values={engine.trajectory.points.map((point) => point.score)}
                      threshold={engine.trajectory.threshold}
                      label={`Score of ${engine.externalId}`}
                    />
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <nav className="pager" aria-label="Fleet pages">
        <button type="button" disabled={offset === 0} onClick={() => go({ offset: Math.max(0, offset - FLEET_PAGE_SIZE) })}>
          Previous
        </button>
        <button type="button" disabled={!fleet.data?.engines.hasMore} onClick={() => go({ offset: offset + FLEET_PAGE_SIZE })}>
          Next
        </button>
      </nav>
    </main>
  );
}
