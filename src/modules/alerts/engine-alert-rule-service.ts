// One engine's own alert rule under a version, set by an operator in place of the version's (a noisy
// engine that needs a longer look-back, a critical one that should alert at once). It judges the engine's
// windows scored from then on; the windows already scored keep the rule they were judged by (the same
// periods as a change of the version's rule: alert-rule-store.ts), and a later change of the version's
// rule passes the engine by until its own rule is cleared. Each change is one transaction that locks the
// version's row first, as a change of the version's rule does; a refused change writes nothing.
import type { Prisma, PrismaClient } from '@prisma/client';
import { changedAlertRule, sameAlertRule, type AlertRuleChange, type AlertRuleSettings } from '../../domain/alerts/alert-rule';
import { AlertRuleInputError } from '../../domain/alerts/errors';
import { exactJson } from '../../platform/db/exact-floats';
import type { QueryExecutor } from '../../platform/db/migrations';
import { badInput, ErrorCode, notFound, ServiceError } from '../../platform/errors';
import { transactionExecutor } from '../scoring/window-store';
import { recordAlertRuleChange, storedAlertRule } from './alert-rule-store';

/** The rule that judges an engine's next scored window under a version, and whose it is. */
export interface EngineAlertRuleView {
  engineId: number;
  modelVersionId: number;
  rule: AlertRuleSettings;
  /** The engine's own rule (setEngineAlertRule); else the version's. */
  overridden: boolean;
}

interface RuleRow {
  status: string;
  sensors: string[];
  version_rule: unknown;
  engine_rule: unknown;
}

export class EngineAlertRuleService {
  constructor(private readonly prisma: PrismaClient) {}

  /** The rule that judges engine `engineId`'s next window under version `modelVersionId`. */
  async ruleOf(engineId: number, modelVersionId: number): Promise<EngineAlertRuleView> {
    const row = await this.rules(this.prisma, engineId, modelVersionId, '');
    return view(engineId, modelVersionId, row);
  }

  /**
   * Gives engine `engineId` its own rule under version `modelVersionId`: the settings `change` gives, the
   * others those of the rule judging it now. NOT_FOUND for an unknown engine or version, CONFLICT for an
   * archived version, BAD_USER_INPUT for an engine the version cannot score or inconsistent settings.
   */
  async set(engineId: number, modelVersionId: number, change: AlertRuleChange): Promise<EngineAlertRuleView> {
    return this.prisma.$transaction(async (tx) => {
      const row = await this.rules(tx, engineId, modelVersionId, 'FOR UPDATE OF v');
      checkChangeable(row, engineId, modelVersionId);
      const previous = current(row);
      let next: AlertRuleSettings;
      try {
        next = changedAlertRule(previous, change);
      } catch (error) {
        if (error instanceof AlertRuleInputError) throw badInput(`rule: ${error.message}`, { engineId, modelVersionId });
        throw error;
      }
      await tx.$executeRawUnsafe(
        `INSERT INTO engine_alert_rules (model_version_id, engine_id, rule) VALUES ($1, $2, $3::text::jsonb)
         ON CONFLICT (model_version_id, engine_id) DO UPDATE SET rule = EXCLUDED.rule, updated_at = now()`,
        modelVersionId,
        engineId,
        exactJson(next),
      );
      if (!sameAlertRule(previous, next)) await recordAlertRuleChange(transactionExecutor(tx), modelVersionId, previous, next, engineId);
      return { engineId, modelVersionId, rule: next, overridden: true };
    });
  }

  /**
   * Takes engine `engineId`'s own rule under version `modelVersionId` away: the version's rule judges its
   * windows from the next one on. Nothing changes when it has none. Errors as set's.
   */
  async clear(engineId: number, modelVersionId: number): Promise<EngineAlertRuleView> {
    return this.prisma.$transaction(async (tx) => {
      const row = await this.rules(tx, engineId, modelVersionId, 'FOR UPDATE OF v');
      checkChangeable(row, engineId, modelVersionId);
      const versionRule = storedAlertRule(row.version_rule);
      if (row.engine_rule === null) return { engineId, modelVersionId, rule: versionRule, overridden: false };
      await tx.$executeRawUnsafe(`DELETE FROM engine_alert_rules WHERE model_version_id = $1 AND engine_id = $2`, modelVersionId, engineId);
      const previous = storedAlertRule(row.engine_rule);
      if (!sameAlertRule(previous, versionRule)) {
        await recordAlertRuleChange(transactionExecutor(tx), modelVersionId, previous, versionRule, engineId);
      }
      return { engineId, modelVersionId, rule: versionRule, overridden: false };
    });
  }

  /** The version's state and rule with the engine's own rule (the version's row locked by `lock`). */
  private async rules(
    client: Pick<Prisma.TransactionClient, '$queryRawUnsafe'>,
    engineId: number,
    modelVersionId: number,
    lock: string,
  ): Promise<RuleRow> {
    const query: QueryExecutor = transactionExecutor(client);
    const [engine] = await query<{ sensors: { name: string }[] }>(
      `SELECT d.sensors FROM engines e JOIN datasets d ON d.id = e.dataset_id WHERE e.id = $1`,
      [engineId],
    );
    if (!engine) throw notFound('engine', engineId);
    const [row] = await query<RuleRow>(
      `SELECT v.status::text AS status, v.sensors, v.alert_rule AS version_rule, o.rule AS engine_rule FROM model_versions v
         LEFT JOIN engine_alert_rules o ON o.model_version_id = v.id AND o.engine_id = $2
        WHERE v.id = $1 ${lock}`,
      [modelVersionId, engineId],
    );
    if (!row) throw notFound('model version', modelVersionId);
    const catalogue = new Set(engine.sensors.map((sensor) => sensor.name));
    const missing = row.sensors.find((sensor) => !catalogue.has(sensor));
    if (missing !== undefined) {
      throw badInput(
        `engine ${engineId} has no sensor "${missing}", which model version ${modelVersionId} reads: give it a rule under a version of its data set`,
        { engineId, modelVersionId },
      );
    }
    return row;
  }
}

function current(row: RuleRow): AlertRuleSettings {
  return storedAlertRule(row.engine_rule ?? row.version_rule);
}

function view(engineId: number, modelVersionId: number, row: RuleRow): EngineAlertRuleView {
  return { engineId, modelVersionId, rule: current(row), overridden: row.engine_rule !== null };
}

function checkChangeable(row: RuleRow, engineId: number, modelVersionId: number): void {
  if (row.status === 'ARCHIVED') {
    throw new ServiceError(ErrorCode.CONFLICT, `model version ${modelVersionId} is archived: its alert rules cannot change`, {
      engineId,
      modelVersionId,
    });
  }
}
