import { ApiRole } from '@prisma/client';
import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { ScoreResult } from '../../services/scoringService';
import type { RequestContext } from '../context';
import { ModelVersion } from '../types/modelVersion';
import { WindowInput, WindowScore } from '../types/scoring';

@Resolver(() => WindowScore)
export class ScoringResolver {
  @Authorized(ApiRole.SCORER)
  @Mutation(() => WindowScore, {
    description:
      'Scores one window of raw sensor readings with a model version (default: the active one) and stores the score; the same window scored again by the same version is served from storage.',
  })
  async scoreWindow(
    @Arg('window', () => WindowInput, { description: 'The window to score.' }) window: WindowInput,
    @Ctx() { services }: RequestContext,
    @Arg('modelVersionId', () => Int, { nullable: true, description: 'Version to use; default the active version.' }) modelVersionId?: number,
  ): Promise<ScoreResult> {
    return services.scoring.scoreWindow(window, modelVersionId);
  }

  @Authorized(ApiRole.SCORER)
  @Mutation(() => [WindowScore], {
    description: 'Scores up to 1000 windows in one batched forward pass; all are stored, or none when any window is invalid.',
  })
  scoreWindows(
    @Arg('windows', () => [WindowInput], { description: 'The windows to score, at most 1000.' }) windows: WindowInput[],
    @Ctx() { services }: RequestContext,
    @Arg('modelVersionId', () => Int, { nullable: true, description: 'Version to use; default the active version.' }) modelVersionId?: number,
  ): Promise<ScoreResult[]> {
    return services.scoring.scoreWindows(windows, modelVersionId);
  }

  @FieldResolver(() => ModelVersion, { description: 'The model version used.' })
  modelVersion(@Root() score: ScoreResult, @Ctx() { loaders }: RequestContext) {
    return loaders.modelVersion.load(score.modelVersionId);
  }
}
