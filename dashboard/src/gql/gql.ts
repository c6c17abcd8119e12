/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query Viewer { viewer { authenticated name roles } }": typeof types.ViewerDocument,
    "query CompareModelVersions($ids: [Int!]!) {\n  compareModelVersions(ids: $ids) {\n    dataset units anomalyRul commonWindows\n    versions {\n      version { id version name kind scoringMethod { kind } }\n      metrics { precision recall f1 accuracy rocAuc prAuc threshold confusion { tp fp tn fn } }\n      deltas { rocAuc prAuc precision recall f1 accuracy }\n      agreement flaggedOnlyByThis flaggedOnlyByFirst\n      rocCurve { falsePositiveRate truePositiveRate }\n      prCurve { recall precision }\n    }\n  }\n}": typeof types.CompareModelVersionsDocument,
    "subscription EngineScores($id: Int!) {\n  engineScores(engineId: $id) { modelVersionId endCycle score isAnomaly }\n}": typeof types.EngineScoresDocument,
    "query EngineNewCycles($id: Int!, $from: Int!) {\n  engine(id: $id) { id cycles(from: $from) { cycle sensors } }\n}": typeof types.EngineNewCyclesDocument,
    "query WindowContributions($id: Int!, $version: Int!, $endCycle: Int!) {\n  engine(id: $id) {\n    id\n    trajectory(modelVersionId: $version, fromCycle: $endCycle, toCycle: $endCycle) {\n      points { endCycle score isAnomaly contributions { sensor share residual } }\n    }\n  }\n}": typeof types.WindowContributionsDocument,
    "query EngineOverview($id: Int!) {\n  engine(id: $id) { id externalId dataset role unit labelling lastCycle rulAfterLastCycle }\n  modelVersionsConnection(first: 100) { edges { node { id version name kind isActive sensors } } }\n  datasetsConnection(first: 100) { edges { node { name sensors { name } } } }\n}": typeof types.EngineOverviewDocument,
    "query EngineTrajectory($id: Int!, $version: Int) {\n  engine(id: $id) {\n    id\n    trajectory(modelVersionId: $version) {\n      modelVersionId threshold windowLength firstFlaggedCycle flaggedCycles\n      points { endCycle score rul }\n    }\n    alertRule(modelVersionId: $version) { overridden rule { k n m } }\n  }\n}": typeof types.EngineTrajectoryDocument,
    "query EngineCycles($id: Int!, $sensors: [String!]!) {\n  engine(id: $id) { id cycles(sensors: $sensors) { cycle sensors } }\n}": typeof types.EngineCyclesDocument,
    "query FleetContext {\n  activeModelVersion { id version name threshold }\n  datasetsConnection(first: 100) { edges { node { name } } }\n}": typeof types.FleetContextDocument,
    "query Fleet(\n  $filter: EngineFilter, $first: Int, $after: String, $last: Int, $before: String, $scored: Boolean!\n) {\n  enginesConnection(filter: $filter, first: $first, after: $after, last: $last, before: $before) {\n    totalCount\n    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    edges {\n      node {\n        id dataset role unit externalId lastCycle\n        trajectory @include(if: $scored) { threshold firstFlaggedCycle points { score } }\n      }\n    }\n  }\n}": typeof types.FleetDocument,
    "query ModelVersions($first: Int, $after: String, $last: Int, $before: String) {\n  modelVersionsConnection(first: $first, after: $after, last: $last, before: $before) {\n    totalCount\n    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    edges {\n      node {\n        id version name kind isActive status createdAt threshold scoringMethod { kind }\n        metrics { windows anomalous accuracy precision recall f1 rocAuc prAuc threshold confusion { tp fp tn fn } }\n      }\n    }\n  }\n}": typeof types.ModelVersionsDocument,
    "query ModelVersionCurves($id: Int!) {\n  modelVersion(id: $id) {\n    id version name kind lineage { trainingJobId }\n    evaluationsConnection(first: 1) {\n      edges {\n        node {\n          id createdAt metrics { windows anomalous accuracy precision recall f1 rocAuc prAuc threshold confusion { tp fp tn fn } }\n          rocCurve { falsePositiveRate truePositiveRate } prCurve { recall precision }\n          scoreDistribution { edges healthy anomalous logScale }\n        }\n      }\n    }\n  }\n}": typeof types.ModelVersionCurvesDocument,
    "query TrainingJobLosses($id: Int!) { trainingJob(id: $id) { id epochs { epoch loss validationLoss } } }": typeof types.TrainingJobLossesDocument,
    "mutation ActivateModelVersion($id: Int!) { activateModelVersion(id: $id) { activated { id isActive } previous { id isActive } } }": typeof types.ActivateModelVersionDocument,
    "query ScoreFileVersions {\n  modelVersionsConnection(first: 100) { edges { node { id version name kind isActive sensors windowLength regimes { settings } } } }\n}": typeof types.ScoreFileVersionsDocument,
    "query ScoreFileTestEngines {\n  enginesConnection(filter: { dataset: \"FD001\", role: TEST }, first: 500) { edges { node { id externalId unit lastCycle } } }\n  dataset(name: \"FD001\") { sensors { name } settings { name } }\n}": typeof types.ScoreFileTestEnginesDocument,
    "query ScoreFileEngineCycles($id: Int!) {\n  engine(id: $id) { id externalId cycles { sensors settings } }\n}": typeof types.ScoreFileEngineCyclesDocument,
    "mutation ScoreFile($version: Int, $windows: [WindowInput!]!) {\n  scoreWindows(modelVersionId: $version, windows: $windows) { score threshold isAnomaly }\n}": typeof types.ScoreFileDocument,
    "query DetectorKinds {\n  detectorKinds { name description trainModelField options { name type default description min max choices } }\n  datasetsConnection(first: 100) { edges { node { name } } }\n}": typeof types.DetectorKindsDocument,
    "mutation TrainModel($input: TrainModelInput!) { trainModel(input: $input) { id } }": typeof types.TrainModelDocument,
    "mutation CancelTrainingJob($id: Int!) { cancelTrainingJob(id: $id) { id status } }": typeof types.CancelTrainingJobDocument,
    "query TrainingJob($id: Int!) {\n  trainingJob(id: $id) {\n    id status error totalEpochs cancelRequested modelVersionId\n    progress { epochsCompleted totalEpochs elapsedMs estimatedRemainingMs }\n    epochs { epoch loss validationLoss }\n    modelVersion { id version name }\n  }\n}": typeof types.TrainingJobDocument,
};
const documents: Documents = {
    "query Viewer { viewer { authenticated name roles } }": types.ViewerDocument,
    "query CompareModelVersions($ids: [Int!]!) {\n  compareModelVersions(ids: $ids) {\n    dataset units anomalyRul commonWindows\n    versions {\n      version { id version name kind scoringMethod { kind } }\n      metrics { precision recall f1 accuracy rocAuc prAuc threshold confusion { tp fp tn fn } }\n      deltas { rocAuc prAuc precision recall f1 accuracy }\n      agreement flaggedOnlyByThis flaggedOnlyByFirst\n      rocCurve { falsePositiveRate truePositiveRate }\n      prCurve { recall precision }\n    }\n  }\n}": types.CompareModelVersionsDocument,
    "subscription EngineScores($id: Int!) {\n  engineScores(engineId: $id) { modelVersionId endCycle score isAnomaly }\n}": types.EngineScoresDocument,
    "query EngineNewCycles($id: Int!, $from: Int!) {\n  engine(id: $id) { id cycles(from: $from) { cycle sensors } }\n}": types.EngineNewCyclesDocument,
    "query WindowContributions($id: Int!, $version: Int!, $endCycle: Int!) {\n  engine(id: $id) {\n    id\n    trajectory(modelVersionId: $version, fromCycle: $endCycle, toCycle: $endCycle) {\n      points { endCycle score isAnomaly contributions { sensor share residual } }\n    }\n  }\n}": types.WindowContributionsDocument,
    "query EngineOverview($id: Int!) {\n  engine(id: $id) { id externalId dataset role unit labelling lastCycle rulAfterLastCycle }\n  modelVersionsConnection(first: 100) { edges { node { id version name kind isActive sensors } } }\n  datasetsConnection(first: 100) { edges { node { name sensors { name } } } }\n}": types.EngineOverviewDocument,
    "query EngineTrajectory($id: Int!, $version: Int) {\n  engine(id: $id) {\n    id\n    trajectory(modelVersionId: $version) {\n      modelVersionId threshold windowLength firstFlaggedCycle flaggedCycles\n      points { endCycle score rul }\n    }\n    alertRule(modelVersionId: $version) { overridden rule { k n m } }\n  }\n}": types.EngineTrajectoryDocument,
    "query EngineCycles($id: Int!, $sensors: [String!]!) {\n  engine(id: $id) { id cycles(sensors: $sensors) { cycle sensors } }\n}": types.EngineCyclesDocument,
    "query FleetContext {\n  activeModelVersion { id version name threshold }\n  datasetsConnection(first: 100) { edges { node { name } } }\n}": types.FleetContextDocument,
    "query Fleet(\n  $filter: EngineFilter, $first: Int, $after: String, $last: Int, $before: String, $scored: Boolean!\n) {\n  enginesConnection(filter: $filter, first: $first, after: $after, last: $last, before: $before) {\n    totalCount\n    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    edges {\n      node {\n        id dataset role unit externalId lastCycle\n        trajectory @include(if: $scored) { threshold firstFlaggedCycle points { score } }\n      }\n    }\n  }\n}": types.FleetDocument,
    "query ModelVersions($first: Int, $after: String, $last: Int, $before: String) {\n  modelVersionsConnection(first: $first, after: $after, last: $last, before: $before) {\n    totalCount\n    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    edges {\n      node {\n        id version name kind isActive status createdAt threshold scoringMethod { kind }\n        metrics { windows anomalous accuracy precision recall f1 rocAuc prAuc threshold confusion { tp fp tn fn } }\n      }\n    }\n  }\n}": types.ModelVersionsDocument,
    "query ModelVersionCurves($id: Int!) {\n  modelVersion(id: $id) {\n    id version name kind lineage { trainingJobId }\n    evaluationsConnection(first: 1) {\n      edges {\n        node {\n          id createdAt metrics { windows anomalous accuracy precision recall f1 rocAuc prAuc threshold confusion { tp fp tn fn } }\n          rocCurve { falsePositiveRate truePositiveRate } prCurve { recall precision }\n          scoreDistribution { edges healthy anomalous logScale }\n        }\n      }\n    }\n  }\n}": types.ModelVersionCurvesDocument,
    "query TrainingJobLosses($id: Int!) { trainingJob(id: $id) { id epochs { epoch loss validationLoss } } }": types.TrainingJobLossesDocument,
    "mutation ActivateModelVersion($id: Int!) { activateModelVersion(id: $id) { activated { id isActive } previous { id isActive } } }": types.ActivateModelVersionDocument,
    "query ScoreFileVersions {\n  modelVersionsConnection(first: 100) { edges { node { id version name kind isActive sensors windowLength regimes { settings } } } }\n}": types.ScoreFileVersionsDocument,
    "query ScoreFileTestEngines {\n  enginesConnection(filter: { dataset: \"FD001\", role: TEST }, first: 500) { edges { node { id externalId unit lastCycle } } }\n  dataset(name: \"FD001\") { sensors { name } settings { name } }\n}": types.ScoreFileTestEnginesDocument,
    "query ScoreFileEngineCycles($id: Int!) {\n  engine(id: $id) { id externalId cycles { sensors settings } }\n}": types.ScoreFileEngineCyclesDocument,
    "mutation ScoreFile($version: Int, $windows: [WindowInput!]!) {\n  scoreWindows(modelVersionId: $version, windows: $windows) { score threshold isAnomaly }\n}": types.ScoreFileDocument,
    "query DetectorKinds {\n  detectorKinds { name description trainModelField options { name type default description min max choices } }\n  datasetsConnection(first: 100) { edges { node { name } } }\n}": types.DetectorKindsDocument,
    "mutation TrainModel($input: TrainModelInput!) { trainModel(input: $input) { id } }": types.TrainModelDocument,
    "mutation CancelTrainingJob($id: Int!) { cancelTrainingJob(id: $id) { id status } }": types.CancelTrainingJobDocument,
    "query TrainingJob($id: Int!) {\n  trainingJob(id: $id) {\n    id status error totalEpochs cancelRequested modelVersionId\n    progress { epochsCompleted totalEpochs elapsedMs estimatedRemainingMs }\n    epochs { epoch loss validationLoss }\n    modelVersion { id version name }\n  }\n}": types.TrainingJobDocument,
};

/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query Viewer { viewer { authenticated name roles } }"): typeof import('./graphql').ViewerDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query CompareModelVersions($ids: [Int!]!) {\n  compareModelVersions(ids: $ids) {\n    dataset units anomalyRul commonWindows\n    versions {\n      version { id version name kind scoringMethod { kind } }\n      metrics { precision recall f1 accuracy rocAuc prAuc threshold confusion { tp fp tn fn } }\n      deltas { rocAuc prAuc precision recall f1 accuracy }\n      agreement flaggedOnlyByThis flaggedOnlyByFirst\n      rocCurve { falsePositiveRate truePositiveRate }\n      prCurve { recall precision }\n    }\n  }\n}"): typeof import('./graphql').CompareModelVersionsDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "subscription EngineScores($id: Int!) {\n  engineScores(engineId: $id) { modelVersionId endCycle score isAnomaly }\n}"): typeof import('./graphql').EngineScoresDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query EngineNewCycles($id: Int!, $from: Int!) {\n  engine(id: $id) { id cycles(from: $from) { cycle sensors } }\n}"): typeof import('./graphql').EngineNewCyclesDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query WindowContributions($id: Int!, $version: Int!, $endCycle: Int!) {\n  engine(id: $id) {\n    id\n    trajectory(modelVersionId: $version, fromCycle: $endCycle, toCycle: $endCycle) {\n      points { endCycle score isAnomaly contributions { sensor share residual } }\n    }\n  }\n}"): typeof import('./graphql').WindowContributionsDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query EngineOverview($id: Int!) {\n  engine(id: $id) { id externalId dataset role unit labelling lastCycle rulAfterLastCycle }\n  modelVersionsConnection(first: 100) { edges { node { id version name kind isActive sensors } } }\n  datasetsConnection(first: 100) { edges { node { name sensors { name } } } }\n}"): typeof import('./graphql').EngineOverviewDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query EngineTrajectory($id: Int!, $version: Int) {\n  engine(id: $id) {\n    id\n    trajectory(modelVersionId: $version) {\n      modelVersionId threshold windowLength firstFlaggedCycle flaggedCycles\n      points { endCycle score rul }\n    }\n    alertRule(modelVersionId: $version) { overridden rule { k n m } }\n  }\n}"): typeof import('./graphql').EngineTrajectoryDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query EngineCycles($id: Int!, $sensors: [String!]!) {\n  engine(id: $id) { id cycles(sensors: $sensors) { cycle sensors } }\n}"): typeof import('./graphql').EngineCyclesDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query FleetContext {\n  activeModelVersion { id version name threshold }\n  datasetsConnection(first: 100) { edges { node { name } } }\n}"): typeof import('./graphql').FleetContextDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query Fleet(\n  $filter: EngineFilter, $first: Int, $after: String, $last: Int, $before: String, $scored: Boolean!\n) {\n  enginesConnection(filter: $filter, first: $first, after: $after, last: $last, before: $before) {\n    totalCount\n    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    edges {\n      node {\n        id dataset role unit externalId lastCycle\n        trajectory @include(if: $scored) { threshold firstFlaggedCycle points { score } }\n      }\n    }\n  }\n}"): typeof import('./graphql').FleetDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query ModelVersions($first: Int, $after: String, $last: Int, $before: String) {\n  modelVersionsConnection(first: $first, after: $after, last: $last, before: $before) {\n    totalCount\n    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }\n    edges {\n      node {\n        id version name kind isActive status createdAt threshold scoringMethod { kind }\n        metrics { windows anomalous accuracy precision recall f1 rocAuc prAuc threshold confusion { tp fp tn fn } }\n      }\n    }\n  }\n}"): typeof import('./graphql').ModelVersionsDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query ModelVersionCurves($id: Int!) {\n  modelVersion(id: $id) {\n    id version name kind lineage { trainingJobId }\n    evaluationsConnection(first: 1) {\n      edges {\n        node {\n          id createdAt metrics { windows anomalous accuracy precision recall f1 rocAuc prAuc threshold confusion { tp fp tn fn } }\n          rocCurve { falsePositiveRate truePositiveRate } prCurve { recall precision }\n          scoreDistribution { edges healthy anomalous logScale }\n        }\n      }\n    }\n  }\n}"): typeof import('./graphql').ModelVersionCurvesDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query TrainingJobLosses($id: Int!) { trainingJob(id: $id) { id epochs { epoch loss validationLoss } } }"): typeof import('./graphql').TrainingJobLossesDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "mutation ActivateModelVersion($id: Int!) { activateModelVersion(id: $id) { activated { id isActive } previous { id isActive } } }"): typeof import('./graphql').ActivateModelVersionDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query ScoreFileVersions {\n  modelVersionsConnection(first: 100) { edges { node { id version name kind isActive sensors windowLength regimes { settings } } } }\n}"): typeof import('./graphql').ScoreFileVersionsDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query ScoreFileTestEngines {\n  enginesConnection(filter: { dataset: \"FD001\", role: TEST }, first: 500) { edges { node { id externalId unit lastCycle } } }\n  dataset(name: \"FD001\") { sensors { name } settings { name } }\n}"): typeof import('./graphql').ScoreFileTestEnginesDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query ScoreFileEngineCycles($id: Int!) {\n  engine(id: $id) { id externalId cycles { sensors settings } }\n}"): typeof import('./graphql').ScoreFileEngineCyclesDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "mutation ScoreFile($version: Int, $windows: [WindowInput!]!) {\n  scoreWindows(modelVersionId: $version, windows: $windows) { score threshold isAnomaly }\n}"): typeof import('./graphql').ScoreFileDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query DetectorKinds {\n  detectorKinds { name description trainModelField options { name type default description min max choices } }\n  datasetsConnection(first: 100) { edges { node { name } } }\n}"): typeof import('./graphql').DetectorKindsDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "mutation TrainModel($input: TrainModelInput!) { trainModel(input: $input) { id } }"): typeof import('./graphql').TrainModelDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "mutation CancelTrainingJob($id: Int!) { cancelTrainingJob(id: $id) { id status } }"): typeof import('./graphql').CancelTrainingJobDocument;
/**
 * The gql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function gql(source: "query TrainingJob($id: Int!) {\n  trainingJob(id: $id) {\n    id status error totalEpochs cancelRequested modelVersionId\n    progress { epochsCompleted totalEpochs elapsedMs estimatedRemainingMs }\n    epochs { epoch loss validationLoss }\n    modelVersion { id version name }\n  }\n}"): typeof import('./graphql').TrainingJobDocument;


export function gql(source: string) {
  return (documents as any)[source] ?? {};
}
