// Curating the registry, as MLflow's does: aliases that name a version ("champion"), key/value tags,
// archiving and deletion. Every change is one transaction under the registry lock, checks come first,
// and a refused change writes nothing.
import { Prisma, type PrismaClient } from '@prisma/client';
import { badInput, ErrorCode, notFound, ServiceError } from '../../platform/errors';
import { REGISTRY_LOCK_KEY, type ModelRegistry, type VersionSummary } from './model-registry';
import { changedAlertRule, sameAlertRule, type AlertRuleChange, type AlertRuleSettings } from '../../domain/alerts/alert-rule';
import { AlertRuleInputError } from '../../domain/alerts/errors';
import { transactionExecutor } from '../scoring/window-store';
import { exactJson } from '../../platform/db/exact-floats';
import { recordAlertRuleChange, storedAlertRule } from '../alerts/alert-rule-store';

export const ALIAS_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const ALIAS_RULE = 'a letter, then letters, digits, "_" or "-", 64 characters at most; case matters';
/** A tag key: 1 to 128 letters, digits, ".", "_", "-", "/" or ":". */
export const TAG_KEY_PATTERN = /^[A-Za-z0-9._/:-]{1,128}$/;
/** MLflow's bound on a tag value. */
export const MAX_TAG_VALUE_LENGTH = 5_000;

export interface VersionTag {
  modelVersionId: number;
  key: string;
  value: string;
}

/** What setting an alias changed: the version it names now, and the one it was taken from. */
export interface AliasMove {
  alias: string;
  modelVersion: VersionSummary;
  /** The version that carried the alias before; null when none did or it already named this one. */
  previous: VersionSummary | null;
}

type Transaction = Prisma.TransactionClient;

const WITHOUT_ARTIFACT = { artifact: true, artifactBinary: true } as const;

export function checkAlias(alias: string): void {
  if (!ALIAS_PATTERN.test(alias)) {
    throw badInput(`alias "${alias}" is not valid: ${ALIAS_RULE}`, { alias });
  }
}

function checkTagKey(key: string): void {
  if (!TAG_KEY_PATTERN.test(key)) {
    throw badInput(`tag key "${key}" is not valid: 1 to 128 letters, digits, ".", "_", "-", "/" or ":"`, { key });
  }
}

export class ModelVersionCuration {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly registry: ModelRegistry,
  ) {}

  /** Runs `change` in one transaction holding the registry lock. */
  private locked<T>(change: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${REGISTRY_LOCK_KEY})`;
      return change(tx);
    });
  }

  private async versionIn(tx: Transaction, id: number): Promise<VersionSummary> {
    const version = await tx.modelVersion.findUnique({ where: { id }, omit: WITHOUT_ARTIFACT });
    if (!version) throw notFound('model version', id);
    return version;
  }

  /** Points `alias` at version `id`, taking it from the version that carried it (an archived version cannot take one). */
  async setAlias(id: number, alias: string): Promise<AliasMove> {
    checkAlias(alias);
    return this.locked(async (tx) => {
      const version = await this.versionIn(tx, id);
      if (version.status === 'ARCHIVED') {
        throw new ServiceError(ErrorCode.CONFLICT, `model version ${id} is archived and cannot take the alias "${alias}"`, { id, alias });
      }
      const existing = await tx.modelVersionAlias.findUnique({ where: { name: alias } });
      if (existing?.modelVersionId === id) return { alias, modelVersion: version, previous: null };
      await tx.modelVersionAlias.upsert({
        where: { name: alias },
        create: { name: alias, modelVersionId: id },
        update: { modelVersionId: id, createdAt: new Date() },
      });
      const previous = existing ? await this.versionIn(tx, existing.modelVersionId) : null;
      return { alias, modelVersion: version, previous };
    });
  }

  /** Removes an alias; returns the version it named (NOT_FOUND when no version carries it). */
  async removeAlias(alias: string): Promise<VersionSummary> {
    checkAlias(alias);
    return this.locked(async (tx) => {
      const existing = await tx.modelVersionAlias.findUnique({ where: { name: alias } });
      if (!existing) throw notFound('model version alias', alias);
      await tx.modelVersionAlias.delete({ where: { name: alias } });
      return this.versionIn(tx, existing.modelVersionId);
    });
  }

  /** Sets (adds or replaces) a tag of version `id`. */
  async setTag(id: number, key: string, value: string): Promise<VersionSummary> {
    checkTagKey(key);
    if (value.length > MAX_TAG_VALUE_LENGTH) {
      throw badInput(`tag "${key}" has a value of ${value.length} characters: at most ${MAX_TAG_VALUE_LENGTH}`, { key });
    }
    return this.locked(async (tx) => {
      const version = await this.versionIn(tx, id);
      await tx.modelVersionTag.upsert({
        where: { modelVersionId_key: { modelVersionId: id, key } },
        create: { modelVersionId: id, key, value },
        update: { value },
      });
      return version;
    });
  }

  /** Removes a tag of version `id` (NOT_FOUND when the version has no such tag). */
  async removeTag(id: number, key: string): Promise<VersionSummary> {
    checkTagKey(key);
    return this.locked(async (tx) => {
      const version = await this.versionIn(tx, id);
      const { count } = await tx.modelVersionTag.deleteMany({ where: { modelVersionId: id, key } });
      if (count === 0) throw notFound(`tag of model version ${id}`, key);
      return version;
    });
  }

  /**
   * Changes the settings `change` gives of version `id`'s alert rule (the others stay). The new rule judges
   * each engine's windows scored after the change; earlier windows keep their rule, so the stored alerts
   * stay and an open one stays open, judged by the new rule from then on (docs/alerts.md). CONFLICT for an
   * archived version, BAD_USER_INPUT for inconsistent settings.
   */
  async setAlertRule(id: number, change: AlertRuleChange): Promise<VersionSummary> {
    return this.locked(async (tx) => {
      const version = await this.versionIn(tx, id);
      if (version.status === 'ARCHIVED') {
        throw new ServiceError(ErrorCode.CONFLICT, `model version ${id} is archived: its alert rule cannot change`, { id });
      }
      const previous = storedAlertRule(version.alertRule);
      let next: AlertRuleSettings;
      try {
        next = changedAlertRule(previous, change);
      } catch (error) {
        if (error instanceof AlertRuleInputError) throw badInput(`alertRule: ${error.message}`, { id });
        throw error;
      }
      if (sameAlertRule(previous, next)) return version;
      // The row first: its lock waits for the scoring transactions that read the rule (engineAlertRule),
      // so that the periods below count their windows as judged by the previous rule.
      await tx.$executeRawUnsafe(`UPDATE model_versions SET alert_rule = $2::text::jsonb WHERE id = $1`, id, exactJson(next));
      await recordAlertRuleChange(transactionExecutor(tx), id, previous, next);
      return this.versionIn(tx, id);
    });
  }

  /** Aliases of several versions, by name (for batch loading). */
  async aliasesOf(versionIds: readonly number[]): Promise<string[][]> {
    const aliases = await this.prisma.modelVersionAlias.findMany({
      where: { modelVersionId: { in: [...versionIds] } },
      orderBy: { name: 'asc' },
    });
    const byVersion = new Map<number, string[]>(versionIds.map((id) => [id, []]));
    for (const alias of aliases) byVersion.get(alias.modelVersionId)?.push(alias.name);
    return versionIds.map((id) => byVersion.get(id) ?? []);
  }

  /** Tags of several versions, by key (for batch loading). */
  async tagsOf(versionIds: readonly number[]): Promise<VersionTag[][]> {
    const tags = await this.prisma.modelVersionTag.findMany({
      where: { modelVersionId: { in: [...versionIds] } },
      orderBy: { key: 'asc' },
    });
    const byVersion = new Map<number, VersionTag[]>(versionIds.map((id) => [id, []]));
    for (const tag of tags) byVersion.get(tag.modelVersionId)?.push(tag);
    return versionIds.map((id) => byVersion.get(id) ?? []);
  }

  /** Archives version `id`: kept for the record, never activated again. VERSION_IN_USE while something uses it. */
  async archive(id: number): Promise<VersionSummary> {
    const archived = await this.locked(async (tx) => {
      const version = await this.versionIn(tx, id);
      if (version.status === 'ARCHIVED') return version;
      await this.refuseInUse(tx, version, 'archived');
      return tx.modelVersion.update({ where: { id }, data: { status: 'ARCHIVED' }, omit: WITHOUT_ARTIFACT });
    });
    this.registry.forget(id);
    return archived;
  }

  /** Deletes version `id` with its scores, evaluations and tags. VERSION_IN_USE while something uses it. */
  async delete(id: number): Promise<number> {
    await this.locked(async (tx) => {
      const version = await this.versionIn(tx, id);
      await this.refuseInUse(tx, version, 'deleted');
      await tx.modelVersion.delete({ where: { id } });
    });
    this.registry.forget(id);
    return id;
  }

  /**
   * VERSION_IN_USE naming every use: the active version, an alias, a member of an ensemble, or a member
   * of an ensemble a queued or running training job will build (enqueue checks its members under the
   * same lock, so a job cannot slip in between this check and the change).
   */
  private async refuseInUse(tx: Transaction, version: VersionSummary, what: 'archived' | 'deleted'): Promise<void> {
    const member = JSON.stringify([version.id]);
    const aliases = await tx.modelVersionAlias.findMany({ where: { modelVersionId: version.id }, orderBy: { name: 'asc' } });
    const ensembles = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM model_versions
      WHERE kind = 'ensemble' AND options->'members' @> ${member}::jsonb ORDER BY id`;
    const jobs = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM training_jobs
      WHERE status IN ('QUEUED', 'RUNNING') AND config->>'kind' = 'ensemble' AND config->'options'->'members' @> ${member}::jsonb
      ORDER BY id`;
    const uses = [
      ...(version.isActive ? ['it is the active version (activate another first)'] : []),
      ...(aliases.length
        ? [`the alias(es) ${aliases.map((alias) => `"${alias.name}"`).join(', ')} name it (remove or move them first)`]
        : []),
      ...(ensembles.length ? [`ensemble version(s) ${ensembles.map((ensemble) => ensemble.id).join(', ')} use it as a member`] : []),
      ...(jobs.length
        ? [`ensemble training job(s) ${jobs.map((job) => job.id).join(', ')} name it as a member (cancel them or let them finish first)`]
        : []),
    ];
    if (uses.length) {
      throw new ServiceError(ErrorCode.VERSION_IN_USE, `model version ${version.id} cannot be ${what}: ${uses.join('; ')}`, {
        id: version.id,
        active: version.isActive,
        aliases: aliases.map((alias) => alias.name),
        ensembles: ensembles.map((ensemble) => ensemble.id),
        trainingJobs: jobs.map((job) => job.id),
      });
    }
  }
}
