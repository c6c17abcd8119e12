// What the engine page reads when it opens, apart from the page's code: ../api/prefetch.ts sends these
// while that code loads.
import { gql } from '../api/gql';

export const VERSIONS_QUERY = gql(`query EngineVersions {
  modelVersionsConnection(first: 100) { edges { node { id version name kind isActive sensors } } }
  datasetsConnection(first: 100) { edges { node { name sensors { name } } } }
}`);

export const ENGINE_QUERY = gql(`query EngineDetail($id: Int!) {
  engine(id: $id) { id externalId dataset role unit labelling lastCycle rulAfterLastCycle }
}`);

export const TRAJECTORY_QUERY = gql(`query EngineTrajectory($id: Int!, $version: Int) {
  engine(id: $id) {
    id
    trajectory(modelVersionId: $version) {
      modelVersionId threshold windowLength firstFlaggedCycle flaggedCycles
      points { endCycle score rul }
    }
  }
}`);

/** The version the page shows (?version=), null for the active one. */
export function engineVersionParam(params: URLSearchParams): number | null {
  const version = params.get('version');
  return version ? Number(version) : null;
}
