// Model versions by id, batched per request: the version of every score or job of a list in one query.
import type { LoaderCache } from '../../platform/graphql/context';
import type { ModelRegistry, VersionSummary } from './model-registry';

export function loadModelVersion(loaders: LoaderCache, registry: ModelRegistry, id: number): Promise<VersionSummary | null> {
  return loaders.get('modelVersion', (ids: readonly number[]) => registry.findMany(ids)).load(id);
}
