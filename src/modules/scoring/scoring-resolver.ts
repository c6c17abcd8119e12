import { ApiRole } from '@prisma/client';
import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { ScoreResult, ScoringService } from './scoring-service';
import type { RequestContext } from '../../platform/graphql/context';
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
      'Scores one window of raw sensor readings with a model version (default: the active one) and stores the score; the same window scored again by the same version is served from storage.',
  })
  async scoreWindow(
    @Arg('window', () => WindowInput, { description: 'The window to score.' }) window: WindowInput,
    @Arg('modelVersionId', () => Int, { nullable: true, description: 'Version to use; default the active version.' })
    modelVersionId?: number,
  ): Promise<ScoreResult> {
    return this.scoring.scoreWindow(window, modelVersionId);
  }

  @Authorized(ApiRole.SCORER)
  @Mutation(() => [WindowScore], {
    description: 'Scores up to 1000 windows in one batched forward pass; all are stored, or none when any window is invalid.',
  })
  scoreWindows(
    @Arg('windows', () => [WindowInput], { description: 'The windows to score, at most 1000.' }) windows: WindowInput[],
    @Arg('modelVersionId', () => Int, { nullable: true, description: 'Version to use; default the active version.' })
    modelVersionId?: number,
  ): Promise<ScoreResult[]> {
    return this.scoring.scoreWindows(windows, modelVersionId);
  }

  @FieldResolver(() => ModelVersion, { description: 'The model version used.' })
  modelVersion(@Root() score: ScoreResult, @Ctx() { loaders }: RequestContext) {
    return loadModelVersion(loaders, this.registry, score.modelVersionId);
  }
}
