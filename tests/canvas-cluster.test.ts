/**
 * The canvas on a local 3-master cluster, under the cross-slot hook (tests/helpers/redis-cluster.ts):
 * the same cases as on one Redis (tests/fixtures/canvas-cases.ts), with queues on different shards,
 * and the signed parent-results checks (tests/fixtures/parent-results-cases.ts).
 */
import { before, after } from 'node:test';
import { startCluster, type TestCluster } from './helpers/redis-cluster.ts';
import { canvasCases } from './fixtures/canvas-cases.ts';
import { parentResultsCases } from './fixtures/parent-results-cases.ts';

let cluster: TestCluster;
before(async () => (cluster = await startCluster()));
after(async () => cluster.stop());

canvasCases(() => cluster.url, 'cluster');
parentResultsCases(() => cluster.url, 'cluster');
