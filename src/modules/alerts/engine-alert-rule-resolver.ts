import { ApiRole, type Engine as EngineRow } from '@prisma/client';
import { Arg, Authorized, FieldResolver, Int, Mutation, Resolver, Root } from 'type-graphql';
import { Engine } from '../engines/engine-types';
import type { ModelRegistry } from '../registry/model-registry';
import { AlertRuleInput, EngineAlertRule } from './alert-rule-types';
import type { EngineAlertRuleService } from './engine-alert-rule-service';

@Resolver(() => Engine)
export class EngineAlertRuleResolver {
  constructor(
    private readonly rules: EngineAlertRuleService,
    private readonly models: ModelRegistry,
  ) {}

  @FieldResolver(() => EngineAlertRule, {
    description:
      "The alert rule that judges the engine's next scored window under a version: its own (setEngineAlertRule) or the version's.",
  })
  async alertRule(
    @Root() engine: EngineRow,
    @Arg('modelVersionId', () => Int, { nullable: true, description: 'Version; default the active version.' })
    modelVersionId?: number | null,
  ): Promise<EngineAlertRule> {
    return this.rules.ruleOf(engine.id, modelVersionId ?? (await this.models.resolve()).id);
  }

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => EngineAlertRule, {
    description:
      "Gives an engine its own alert rule under a version, in place of the version's: the settings given, the others those of the rule judging it now. It applies from the engine's next scored window (alerts already raised stay, an open alert stays open), and later changes of the version's rule pass the engine by until clearEngineAlertRule. NOT_FOUND for an unknown engine or version, CONFLICT for an archived version, BAD_USER_INPUT for an engine the version cannot score or inconsistent settings.",
  })
  setEngineAlertRule(
    @Arg('engineId', () => Int, { description: 'Engine id.' }) engineId: number,
    @Arg('modelVersionId', () => Int, { description: 'Model version id.' }) modelVersionId: number,
    @Arg('rule', () => AlertRuleInput, { description: 'The settings to change.' }) rule: AlertRuleInput,
  ): Promise<EngineAlertRule> {
    return this.rules.set(engineId, modelVersionId, rule);
  }

  @Authorized(ApiRole.OPERATOR)
  @Mutation(() => EngineAlertRule, {
    description:
      "Takes an engine's own alert rule under a version away: the version's rule judges it from its next scored window. Returns the rule in force; nothing changes when the engine had none. Errors as setEngineAlertRule's.",
  })
  clearEngineAlertRule(
    @Arg('engineId', () => Int, { description: 'Engine id.' }) engineId: number,
    @Arg('modelVersionId', () => Int, { description: 'Model version id.' }) modelVersionId: number,
  ): Promise<EngineAlertRule> {
    return this.rules.clear(engineId, modelVersionId);
  }
}
