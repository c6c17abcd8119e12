// The worker process (`npm run worker`): training and other background jobs on the API replicas'
// PostgreSQL, with /health, /ready and /metrics for the orchestrator and no GraphQL API. The same as
// `PROCESS_ROLE=worker node dist/src/main/server.js`.
import 'reflect-metadata';
import { main } from './server';

main({ PROCESS_ROLE: 'worker' }).catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
