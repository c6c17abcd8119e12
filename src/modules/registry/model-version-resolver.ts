import { ApiRole, type Evaluation as EvaluationRow } from '@prisma/client';
import type { ModelRegistry, StoredRegimes, VersionSummary as ModelVersionRow } from './model-registry';
import type { EvaluationService } from '../evaluation/evaluation-service';
import { ALIAS_RULE, type ModelVersionCuration } from './model-version-curation';
import type { ImportedFrom } from './model-version-transfer';
import { JSONObjectResolver } from 'graphql-scalars';
import { Arg, Args, Authorized, Ctx, Extensions, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { FieldCost } from '../../platform/graphql/cost';
import type { RequestContext } from '../../platform/graphql/context';
import {
  Architecture,
  Evaluation,
  EvaluationMetrics,
  EvaluationSplitInput,
  ModelComparison,
  ModelVersion,
  ModelVersionActivation,
  ModelVersionAliasMove,
  ModelVersionLineage,
  EvaluationConnection,
  ModelVersionConnection,
  ModelVersionPage,
  ModelVersionTag,
  OperatingRegimes,
  ScoringMethodInfo,
} from './model-version-types';
import { PageInput } from '../../platform/graphql/pagination';
import { ConnectionArgs } from '../../platform/graphql/connection';
import { mapConnection } from '../../platform/db/connection';
import { toEvaluationView } from '../evaluation/evaluation-views';
import { AlertRule, AlertRuleInput } from '../alerts/alert-rule-types';
import { storedAlertRule } from '../alerts/alert-rule-store';

// Evaluating or comparing reads (and may score) the windows of a split's engines: the test units of a
// C-MAPSS subset hold thousands.
const EVALUATION_WEIGHT = 2_000;

@Resolver(() => ModelVersion)
export class ModelVersionResolver {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly evaluationService: EvaluationService,
    private readonly curation: ModelVersionCuration,
  ) {}

  @Authorized(ApiRole.READER)
  @Query(() => ModelVersionPage, {
    description: 'Model versions, newest first.',
    deprecationReason: 'Offset pages shift as items come and go: use modelVersionsConnection (a cursor connection).',
  })
  modelVersions(@Arg('page', () => PageInput, { nullable: true }) page?: PageInput) {
    return this.registry.list(page);
  }

  @Authorized(ApiRole.READER)
  @Query(() => ModelVersionConnection, { description: 'Model versions, newest first.' })
  modelVersionsConnection(@Args() page: ConnectionArgs) {
    return this.registry.connection(page);
  }

  @Authorized(ApiRole.READER)
  @Query(() => ModelVersion, {
    nullable: true,
    description: 'One model version, by id or by alias (exactly one of them); null with a NOT_FOUND error when it does not exist.',
  })
  modelVersion(
    @Arg('id', () => Int, { nullable: true, description: 'Model version id.' }) id?: number | null,
    @Arg('alias', () => String, { nullable: true, description: 'An alias of the version, e.g. champion.' }) alias?: string | null,
  ) {
    return this.registry.byIdOrAlias(id, alias);
  }

  @Authorized(ApiRole.READER)
  @Query(() => ModelVersion, { nullable: true, description: 'The version scoring uses by default; null when none is active.' })
  activeModelVersion() {
    return this.registry.active();
  }

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => ModelVersionActivation, {
    description:
      'Makes a version the one scoring uses by default (exactly one is active at a time); returns it and the version it replaced.',
  })
  activateModelVersion(@Arg('id', () => Int, { description: 'Model version id.' }) id: number) {
    return this.registry.activate(id);
  }

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => ModelVersionAliasMove, {
    description: `Points an alias (${ALIAS_RULE}) at a version, moving it from the version that carried it: an alias names one version per deployment. CONFLICT for an archived version.`,
  })
  setModelVersionAlias(
    @Arg('id', () => Int, { description: 'Model version id.' }) id: number,
    @Arg('alias', () => String, { description: 'The alias, e.g. champion.' }) alias: string,
  ) {
    return this.curation.setAlias(id, alias);
  }

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => ModelVersion, { description: 'Removes an alias; returns the version it named (NOT_FOUND when no version carries it).' })
  removeModelVersionAlias(@Arg('alias', () => String, { description: 'The alias.' }) alias: string) {
    return this.curation.removeAlias(alias);
  }

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => ModelVersion, { description: 'Sets (adds or replaces) a key/value tag of a version; returns the version.' })
  setModelVersionTag(
    @Arg('id', () => Int, { description: 'Model version id.' }) id: number,
    @Arg('key', () => String, { description: 'Tag key: 1 to 128 letters, digits, ".", "_", "-", "/" or ":".' }) key: string,
    @Arg('value', () => String, { description: 'Tag value, at most 5,000 characters.' }) value: string,
  ) {
    return this.curation.setTag(id, key, value);
  }

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => ModelVersion, { description: 'Removes a tag of a version (NOT_FOUND when it has no such tag); returns the version.' })
  removeModelVersionTag(
    @Arg('id', () => Int, { description: 'Model version id.' }) id: number,
    @Arg('key', () => String, { description: 'Tag key.' }) key: string,
  ) {
    return this.curation.removeTag(id, key);
  }

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => ModelVersion, {
    description:
      'Archives a version (status ARCHIVED): kept with its scores and evaluations, never activated again. VERSION_IN_USE, naming why, for the active version, a version with an alias, a member of an ensemble or of an ensemble a queued or running training job will build (details.trainingJobs names the jobs).',
  })
  archiveModelVersion(@Arg('id', () => Int, { description: 'Model version id.' }) id: number) {
    return this.curation.archive(id);
  }

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => ModelVersion, {
    description:
      "Changes a version's alert rule (the settings given; the others stay) and returns the version. It applies from each engine's next scored window: alerts already raised stay, and an open alert stays open, judged by the new rule from then on. CONFLICT for an archived version, BAD_USER_INPUT for inconsistent settings.",
  })
  setAlertRule(
    @Arg('modelVersionId', () => Int, { description: 'Model version id.' }) modelVersionId: number,
    @Arg('rule', () => AlertRuleInput, { description: 'The settings to change.' }) rule: AlertRuleInput,
  ) {
    return this.curation.setAlertRule(modelVersionId, rule);
  }

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => Int, {
    description:
      'Deletes a version with its scores, evaluations and tags; returns its id. VERSION_IN_USE, naming why, for the active version, a version with an alias, a member of an ensemble or of an ensemble a queued or running training job will build (details.trainingJobs names the jobs).',
  })
  deleteModelVersion(@Arg('id', () => Int, { description: 'Model version id.' }) id: number) {
    return this.curation.delete(id);
  }

  @Authorized(ApiRole.OPERATOR)
  @Extensions({ cost: { weight: EVALUATION_WEIGHT } satisfies FieldCost })
  @Mutation(() => Evaluation, {
    description: 'Evaluates a version on labelled engines (default: its test engines) and stores the evaluation.',
  })
  async evaluateModelVersion(
    @Arg('id', () => Int, { description: 'Model version id.' }) id: number,
    @Arg('split', () => EvaluationSplitInput, { nullable: true, description: 'Engines to evaluate on.' }) split?: EvaluationSplitInput,
    @Ctx() context?: RequestContext,
  ): Promise<Evaluation> {
    return toEvaluationView(await this.evaluationService.evaluate(id, split ?? {}, context?.scoringBudget));
  }

  @Authorized(ApiRole.READER)
  @Extensions({ cost: { weight: EVALUATION_WEIGHT } satisfies FieldCost })
  @Query(() => ModelComparison, {
    description:
      'Compares 2 to 10 versions on the same windows (default: the first version test engines): metrics, deltas against the first, agreement of their flags.',
  })
  async compareModelVersions(
    @Arg('ids', () => [Int], { description: 'Version ids; the first is the reference.' }) ids: number[],
    @Arg('split', () => EvaluationSplitInput, { nullable: true, description: 'Engines whose windows are compared.' })
    split?: EvaluationSplitInput,
    @Ctx() context?: RequestContext,
  ): Promise<ModelComparison> {
    const result = await this.evaluationService.compare(ids, split ?? {}, context?.scoringBudget);
    return { ...result.split, commonWindows: result.commonWindows, versions: result.versions } as unknown as ModelComparison;
  }

  @FieldResolver(() => Architecture, {
    nullable: true,
    description: 'Network sizes of an lstm-autoencoder version; null for other kinds.',
    deprecationReason:
      'Use options (hidden, code) and sensors / windowLength: every kind has options, only the autoencoder has this shape.',
  })
  architecture(@Root() version: ModelVersionRow): Architecture | null {
    if (version.kind !== 'lstm-autoencoder') return null;
    const options = version.options as { hidden: number; code: number };
    return { features: version.sensors.length, windowLength: version.windowLength, hidden: options.hidden, code: options.code };
  }

  @FieldResolver(() => JSONObjectResolver, {
    description: 'Training configuration (for lstm-autoencoder: epochs, batch size, learning rate, seed, ...).',
    deprecationReason: 'Use options (what was asked) and summary (what the fit did).',
  })
  hyperparameters(@Root() version: ModelVersionRow): Record<string, unknown> {
    const summary = version.summary as { training?: Record<string, unknown> };
    return summary.training ?? (version.options as Record<string, unknown>);
  }

  @FieldResolver(() => OperatingRegimes, {
    nullable: true,
    description: 'The operating regimes its sensors are normalised within; null when it was trained on a single operating condition.',
  })
  regimes(@Root() version: ModelVersionRow): OperatingRegimes | null {
    const regimes = version.regimes as unknown as StoredRegimes | null;
    if (!regimes) return null;
    return {
      settings: regimes.settings,
      withinShare: regimes.withinShare,
      regimes: regimes.centroids.map((centroid, regime) => ({
        settings: centroid.map((value, d) => regimes.centre[d] + value * regimes.scale[d]),
        healthyRows: regimes.rows[regime],
        mean: regimes.mean[regime],
        std: regimes.std[regime],
      })),
    };
  }

  @FieldResolver(() => AlertRule, { description: 'Its k-of-n alert rule: what opens, raises and closes its alerts (docs/alerts.md).' })
  alertRule(@Root() version: ModelVersionRow): AlertRule {
    return storedAlertRule(version.alertRule);
  }

  @FieldResolver(() => [String], { description: 'Aliases naming this version, by name.' })
  aliases(@Root() version: ModelVersionRow, @Ctx() { loaders }: RequestContext): Promise<string[]> {
    return loaders.get('modelVersionAliases', (ids: readonly number[]) => this.curation.aliasesOf(ids)).load(version.id);
  }

  @FieldResolver(() => [ModelVersionTag], { description: 'Key/value tags of this version, by key.' })
  async tags(@Root() version: ModelVersionRow, @Ctx() { loaders }: RequestContext): Promise<ModelVersionTag[]> {
    const tags = await loaders.get('modelVersionTags', (ids: readonly number[]) => this.curation.tagsOf(ids)).load(version.id);
    return tags.map((tag) => ({ id: `${tag.modelVersionId}:${tag.key}`, key: tag.key, value: tag.value }));
  }

  @FieldResolver(() => ModelVersionLineage, {
    description: 'Where it comes from: data set, data fingerprint, training job, code version, and the version it was imported from.',
  })
  async lineage(@Root() version: ModelVersionRow, @Ctx() { loaders }: RequestContext): Promise<ModelVersionLineage> {
    const trainedOn = version.trainedOn as unknown as {
      dataset: string;
      dataFingerprint?: string;
      codeVersion?: string;
      importedFrom?: ImportedFrom;
    };
    const imported = trainedOn.importedFrom;
    const trainingJobId = await loaders
      .get('modelVersionTrainingJobs', (ids: readonly number[]) => this.registry.trainingJobIdsOf(ids))
      .load(version.id);
    return {
      id: String(version.id),
      dataset: trainedOn.dataset,
      dataFingerprint: trainedOn.dataFingerprint ?? null,
      trainingJobId,
      codeVersion: trainedOn.codeVersion ?? null,
      importedFrom: imported
        ? {
            sourceId: imported.source.id,
            sourceVersion: imported.source.version,
            sourceName: imported.source.name,
            exportedAt: new Date(imported.exportedAt),
            exportedBy: imported.exportedBy,
            checksum: imported.checksum,
            importedAt: new Date(imported.importedAt),
          }
        : null,
    };
  }

  @FieldResolver(() => ScoringMethodInfo, { description: 'How scores are derived from reconstruction errors.' })
  scoringMethod(@Root() version: ModelVersionRow): ScoringMethodInfo {
    const definition = version.scoringMethod as Record<string, unknown>;
    return { kind: String(definition.kind), definition };
  }

  @FieldResolver(() => [Evaluation], {
    description: 'Evaluations of this version, newest first; the first is made at registration.',
    deprecationReason: 'Grows with every evaluation: use evaluationsConnection (a cursor connection).',
  })
  async evaluations(@Root() version: ModelVersionRow, @Ctx() { loaders }: RequestContext): Promise<Evaluation[]> {
    const rows: EvaluationRow[] = await loaders
      .get('evaluations', (ids: readonly number[]) => this.registry.evaluationsOf(ids))
      .load(version.id);
    return rows.map(toEvaluationView);
  }

  @FieldResolver(() => EvaluationConnection, {
    description: 'Evaluations of this version, newest stored first; the first is made at registration.',
  })
  async evaluationsConnection(@Root() version: ModelVersionRow, @Args() page: ConnectionArgs) {
    return mapConnection(await this.registry.evaluationsConnection(version.id, page), (rows) => rows.map(toEvaluationView));
  }

  @FieldResolver(() => Boolean, {
    description:
      'Whether the engines the version was trained and tested on have labels (a RUL). False for unlabelled data (labels=none): ' +
      'the version scores windows like any other, but it was not evaluated (metrics is null, no evaluation at registration).',
  })
  labelled(@Root() version: ModelVersionRow): boolean {
    return (version.trainedOn as { labelled?: boolean }).labelled !== false;
  }

  @FieldResolver(() => EvaluationMetrics, {
    nullable: true,
    description: 'Metrics of the evaluation made at registration, on its test engines; null when the version is not labelled.',
  })
  metrics(@Root() version: ModelVersionRow): EvaluationMetrics | null {
    return (version.metrics as unknown as EvaluationMetrics | null) ?? null;
  }
}
