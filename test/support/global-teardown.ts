// Once per jest run, at its end: stop and remove the PostgreSQL the global setup started, if it did.
import { startedCluster } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const started = startedCluster();
  await started.cluster?.destroy();
  started.cluster = null;
}
