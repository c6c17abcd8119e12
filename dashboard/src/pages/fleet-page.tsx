// Fleet: engines of every data set (filtered by data set and role), a page at a time, each with its
// trajectory under the active version: latest score against the threshold, flagged or not, first
// flagged cycle, a sparkline. A page holds FLEET_PAGE_SIZE engines so that one request stays within
// the API's cost limit (a trajectory with its points costs about 1,600; the limit is 50,000).
import { useMemo, useState } from 'react';
import { neighbourPages, pageArguments } from '../api/cursor-pages';
import { useQuery } from '../api/use-query';
import { href, navigate } from '../router';
import { Sparkline } from '../charts/sparkline';
import { ErrorMessage } from './error-message';
import { gql } from '../api/gql';
import type { EngineRole, FleetQuery } from '../gql/graphql';

export const FLEET_PAGE_SIZE = 20;
const ROLES: readonly EngineRole[] = ['TRAIN', 'TEST', 'LIVE'];

export const FLEET_CONTEXT_QUERY = gql(`query FleetContext {
  activeModelVersion { id version name threshold }
  datasetsConnection(first: 100) { edges { node { name } } }
}`);

// One read with or without the scores: without an active version there is no trajectory to ask for.
export const FLEET_QUERY = gql(`query Fleet(
  $filter: EngineFilter, $first: Int, $after: String, $last: Int, $before: String, $scored: Boolean!
) {
  enginesConnection(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges {
      node {
        id dataset role unit externalId lastCycle
        trajectory @include(if: $scored) { threshold firstFlaggedCycle points { score } }
      }
    }
  }
}`);

// Scores in cycle order: the sparkline and the latest score need no cycle numbers.
type FleetEngine = FleetQuery['enginesConnection']['edges'][number]['node'];

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

/** The page's filter and the variables of its engine read (scored or not), from the address. */
export function fleetView(params: URLSearchParams, scored: boolean) {
  const dataset = params.get('dataset') ?? '';
  // A role the API does not know is no filter (the address may have been typed).
  const role = ROLES.find((item) => item === params.get('role')) ?? '';
  const filter = { ...(dataset ? { dataset } : {}), ...(role ? { role } : {}) };
  return { dataset, role, variables: { filter, ...pageArguments(params, FLEET_PAGE_SIZE), scored } };
}

export function FleetPage({ params }: { params: URLSearchParams }) {
  const context = useQuery(FLEET_CONTEXT_QUERY, {});
  const active = context.data?.activeModelVersion ?? null;
  const { dataset, role, variables } = fleetView(params, active !== null);
  // In name order, as the filter lists them (the connection is in creation order).
  const datasetNames = useMemo(() => (context.data?.datasetsConnection.edges ?? []).map((edge) => edge.node.name).sort(), [context.data]);
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({ key: 'unit', descending: false });

  const fleet = useQuery(FLEET_QUERY, variables, { skip: !context.data });

  const rows = useMemo(() => {
    const items = (fleet.data?.enginesConnection.edges ?? []).map((edge) => edge.node);
    // Engines without a value (no score yet, never flagged) go last whichever the direction.
    return items.sort((a, b) => {
      const left = sortValue(a, sort.key);
      const right = sortValue(b, sort.key);
      if (left === null || right === null) return left === right ? 0 : left === null ? 1 : -1;
      return sort.descending ? right - left : left - right;
    });
  }, [fleet.data, sort]);

  // A new filter starts from the first page; a page keeps the filter.
  const go = (changes: Record<string, string | undefined>) => navigate('', { dataset, role, ...changes });
  const total = fleet.data?.enginesConnection.totalCount ?? 0;
  const neighbours = fleet.data ? neighbourPages(fleet.data.enginesConnection.pageInfo) : { previous: null, next: null };

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
          <select value={dataset} onChange={(event) => go({ dataset: event.target.value })}>
            <option value="">All</option>
            {datasetNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Role{' '}
          <select value={role} onChange={(event) => go({ role: event.target.value })}>
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
            ? `${total} engines, ${rows.length} on this page (sorting applies to this page).`
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
        <button type="button" disabled={!neighbours.previous} onClick={() => neighbours.previous && go({ ...neighbours.previous })}>
          Previous
        </button>
        <button type="button" disabled={!neighbours.next} onClick={() => neighbours.next && go({ ...neighbours.next })}>
          Next
        </button>
      </nav>
    </main>
  );
}
