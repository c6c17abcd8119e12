import { ApiRole } from '@prisma/client';
import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { ScoreResult, ScoringService } from './scoring-service';
import type { RequestContext } from '../../platform/graphql/context';
import { badInput } from '../../platform/errors';
import type { ModelRegistry } from '../registry/model-registry';
import { loadModelVersion } from '../registry/model-version-loader';
import { ModelVersion } from '../registry/model-version-types';
import { WindowInput, WindowScore } from './scoring-types';

@Resolver(() => WindowScore)
export class ScoringResolver {
  constructor(
    private readonly scoring: ScoringService,
    private readonly registry: ModelRegistry,
  ) {}

  @Authorized(ApiRole.SCORER)
  @Mutation(() => WindowScore, {
    description:
      'Scores one window of raw sensor readings with a model version (default: the active one) and stores the score; the same window scored again by the same version is served from storage. ' +
      "A degradation-logistic version that looks back (scoringMethod.definition.lookBack) compares the window with the engine's earlier cycles sent before it " +
      "(values or columns), as it compares an engine's own windows (appendCycles, trajectory) with its history; a window sent without them is scored as an engine's first window.",
  })
  async scoreWindow(
    @Arg('window', () => WindowInput, { description: 'The window to score.' }) window: WindowInput,
    @Arg('modelVersionId', () => Int, { nullable: true, description: 'Version to use; default the active version.' })
    modelVersionId?: number,
    @Arg('alias', () => String, { nullable: true, description: 'Or the alias of the version to use, e.g. champion.' })
    alias?: string,
  ): Promise<ScoreResult> {
    return this.scoring.scoreWindow(window, await this.versionIdOf(modelVersionId, alias));
  }

  @Authorized(ApiRole.SCORER)
  @Mutation(() => [WindowScore], {
    description: 'Scores up to 1000 windows in one batched forward pass; all are stored, or none when any window is invalid.',
  })
  async scoreWindows(
    @Arg('windows', () => [WindowInput], { description: 'The windows to score, at most 1000.' }) windows: WindowInput[],
    @Arg('modelVersionId', () => Int, { nullable: true, description: 'Version to use; default the active version.' })
    modelVersionId?: number,
    @Arg('alias', () => String, { nullable: true, description: 'Or the alias of the version to use, e.g. champion.' })
    alias?: string,
  ): Promise<ScoreResult[]> {
    return this.scoring.scoreWindows(windows, await this.versionIdOf(modelVersionId, alias));
  }

  /** The version named by id or alias (not both); undefined for the active one. */
  private async versionIdOf(modelVersionId?: number | null, alias?: string | null): Promise<number | undefined> {
    if (alias == null) return modelVersionId ?? undefined;
    if (modelVersionId != null) throw badInput('name the version by modelVersionId or by alias, not both');
    return (await this.registry.byAlias(alias)).id;
  }

  @FieldResolver(() => ModelVersion, { description: 'The model version used.' })
  modelVersion(@Root() score: ScoreResult, @Ctx() { loaders }: RequestContext) {
    return loadModelVersion(loaders, this.registry, score.modelVersionId);
  }
}
