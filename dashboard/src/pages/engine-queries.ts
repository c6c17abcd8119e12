// What the engine page reads when it opens, apart from the page's code: ../api/prefetch.ts sends these
// while that code loads, and the shown sensors' cycles as soon as the overview says which.
import { gql } from '../api/gql';
import type { EngineOverviewQuery } from '../gql/graphql';

const DEFAULT_SENSOR_COUNT = 4;

// The engine with the versions and the data sets' catalogues: one request, so that the cycles (which
// need its answer) can be asked for after one answer rather than two on the server's queue.
export const OVERVIEW_QUERY = gql(`query EngineOverview($id: Int!) {
  engine(id: $id) { id externalId dataset role unit labelling lastCycle rulAfterLastCycle }
  modelVersionsConnection(first: 100) { edges { node { id version name kind isActive sensors } } }
  datasetsConnection(first: 100) { edges { node { name sensors { name } } } }
}`);

export const TRAJECTORY_QUERY = gql(`query EngineTrajectory($id: Int!, $version: Int) {
  engine(id: $id) {
    id
    trajectory(modelVersionId: $version) {
      modelVersionId threshold windowLength firstFlaggedCycle flaggedCycles
      points { endCycle score rul }
    }
    alertRule(modelVersionId: $version) { overridden rule { k n m } }
  }
}`);

// The shown sensors' readings over the engine's life, in the order of $sensors.
export const CYCLES_QUERY = gql(`query EngineCycles($id: Int!, $sensors: [String!]!) {
  engine(id: $id) { id cycles(sensors: $sensors) { cycle sensors } }
}`);

/** The version the page shows: ?version=, else the active one (undefined when there is none or it does not exist). */
export function shownVersionOf(versions: EngineOverviewQuery, versionId: number | null) {
  const list = versions.modelVersionsConnection.edges.map((edge) => edge.node);
  return list.find((item) => (versionId === null ? item.isActive : item.id === versionId));
}

/** How the alert rule that judges the engine reads: "4 of 7 windows above, closes after 5 below (version's)". */
export function alertRuleText({ overridden, rule }: { overridden: boolean; rule: { k: number; n: number; m: number } }): string {
  return `${rule.k} of ${rule.n} windows above, closes after ${rule.m} below (${overridden ? "engine's own" : "version's"})`;
}

/** The engine's data set's sensor names, in catalogue order. */
export function sensorNamesOf(versions: EngineOverviewQuery, dataset: string | undefined): string[] {
  return versions.datasetsConnection.edges.find((edge) => edge.node.name === dataset)?.node.sensors.map((sensor) => sensor.name) ?? [];
}

/** The sensors shown first: the shown version's first ones, else the data set's. */
export function defaultSensors(overview: EngineOverviewQuery, versionId: number | null): string[] {
  return (shownVersionOf(overview, versionId)?.sensors ?? sensorNamesOf(overview, overview.engine?.dataset)).slice(0, DEFAULT_SENSOR_COUNT);
}

/** Of `chosen`, the sensors the engine's data set has (a version of another data set may read others), as cycles(sensors:) takes them. */
export function readableSensors(chosen: readonly string[], sensorNames: readonly string[]): string[] {
  return chosen.filter((name) => sensorNames.includes(name));
}

/** The version the page shows (?version=), null for the active one. */
export function engineVersionParam(params: URLSearchParams): number | null {
  const version = params.get('version');
  return version ? Number(version) : null;
}
