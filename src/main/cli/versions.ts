// `versions`: the registry's model versions, newest first, as a table or as JSON.
import { Command } from 'commander';
import type { PrismaClient } from '@prisma/client';
import { ModelRegistry, type VersionSummary } from '../../modules/registry/model-registry';
import { ModelVersionCuration } from '../../modules/registry/model-version-curation';
import type { MetricsRecord } from '../../modules/evaluation/evaluation-records';
import { MAX_PAGE_SIZE } from '../../platform/db/pagination';
import { withDatabase } from './runtime';

/** What the registry commands print of a version (in JSON as in the table). */
export interface VersionRecord {
  id: number;
  version: number;
  name: string | null;
  kind: string;
  status: string;
  isActive: boolean;
  aliases: string[];
  tags: Record<string, string>;
  threshold: number;
  rocAuc: number | null;
  recall: number | null;
  precision: number | null;
  createdAt: string;
  activatedAt: string | null;
}

export async function versionRecords(prisma: PrismaClient, versions: VersionSummary[]): Promise<VersionRecord[]> {
  const curation = new ModelVersionCuration(prisma, new ModelRegistry(prisma));
  const ids = versions.map((version) => version.id);
  const [aliases, tags] = await Promise.all([curation.aliasesOf(ids), curation.tagsOf(ids)]);
  return versions.map((version, index) => {
    const metrics = version.metrics as unknown as MetricsRecord | null;
    return {
      id: version.id,
      version: version.version,
      name: version.name,
      kind: version.kind,
      status: version.status,
      isActive: version.isActive,
      aliases: aliases[index],
      tags: Object.fromEntries(tags[index].map((tag) => [tag.key, tag.value])),
      threshold: version.threshold,
      rocAuc: metrics?.rocAuc ?? null,
      recall: metrics?.recall ?? null,
      precision: metrics?.precision ?? null,
      createdAt: version.createdAt.toISOString(),
      activatedAt: version.activatedAt?.toISOString() ?? null,
    };
  });
}

const format = (value: number | null) => (value === null ? 'n/a' : value.toFixed(4));

/** One line per version under a header, columns aligned. */
export function versionTable(records: VersionRecord[]): string {
  const rows = [
    ['id', 'version', 'active', 'status', 'kind', 'threshold', 'ROC-AUC', 'recall', 'aliases', 'name'],
    ...records.map((record) => [
      String(record.id),
      String(record.version),
      record.isActive ? '*' : '',
      record.status.toLowerCase(),
      record.kind,
      record.threshold.toPrecision(6),
      format(record.rocAuc),
      format(record.recall),
      record.aliases.join(',') || '-',
      record.name ?? '',
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function allVersions(prisma: PrismaClient): Promise<VersionSummary[]> {
  const registry = new ModelRegistry(prisma);
  const versions: VersionSummary[] = [];
  for (let offset = 0; ; offset += MAX_PAGE_SIZE) {
    const page = await registry.list({ offset, limit: MAX_PAGE_SIZE });
    versions.push(...page.items);
    if (!page.hasMore) return versions;
  }
}

export function versionsCommand(): Command {
  return new Command('versions')
    .description('List the model versions, newest first: active one (*), status, kind, threshold, test metrics, aliases.')
    .option('--json', 'print a JSON array instead of a table')
    .action(async (options: { json?: boolean }) => {
      const records = await withDatabase(async (database) => versionRecords(database.prisma, await allVersions(database.prisma)));
      if (options.json) process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
      else process.stdout.write(records.length === 0 ? 'no model versions\n' : `${versionTable(records)}\n`);
    });
}
