/**
 * `npm run cluster`: a local Redis Cluster for people (the workshop's scaling lesson), the
 * same one the cluster tests start (scripts/throwaway-cluster.ts). It prints how to point
 * hardq at it, then waits; Ctrl-C (or SIGTERM) stops every node by pid and removes their
 * directories.
 */
import { exitWith, UsageError } from '../cli/exit.ts';
import { parseFlags, parseIntFlag } from '../cli/flags.ts';
import { startThrowawayCluster } from './throwaway-cluster.ts';

const usage = `usage: npm run cluster [-- --masters N] [--replicas R]
Starts a local Redis Cluster on free ports (N masters, default 3; R replicas per master,
default 0), prints how to connect hardq to it, and stops it on Ctrl-C. Nothing is kept.`;

let masters = 3;
let replicas = 0;
try {
  const { values } = parseFlags('npm run cluster --', {
    options: {
      help: { type: 'boolean', short: 'h', default: false },
      masters: { type: 'string' },
      replicas: { type: 'string' },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  masters = parseIntFlag(values.masters as string | undefined, 'masters', 3);
  replicas = parseIntFlag(values.replicas as string | undefined, 'replicas', 0);
  // redis-cli refuses fewer than three masters.
  if (masters < 3) throw new UsageError('--masters must be at least 3 (redis-cli --cluster create needs three)');
} catch (error) {
  exitWith(error);
}

const cluster = await startThrowawayCluster({ masters, replicasPerMaster: replicas });
const ports = await cluster.masterPorts();
console.log(`cluster: ${masters} master(s) and ${masters * replicas} replica(s) are up (cluster_state:ok)`);
for (const node of cluster.nodes) {
  console.log(`  127.0.0.1:${node.port}  ${ports.includes(node.port) ? 'master ' : 'replica'}  pid ${node.pid}  bus port ${node.busPort}`);
}
console.log(`
Connect hardq to it:
  worker:  npx hardq worker -A tasks.ts --redis ${cluster.url}
  app:     createApp({ redis: { cluster: [${cluster.nodeUrls.map((url) => `'${url}'`).join(', ')}] } })
  env:     REDIS_URL=${cluster.url}
  redis-cli -c -p ${cluster.nodes[0]!.port}
Ctrl-C stops every node.`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await cluster.stop();
  console.log('cluster: stopped');
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
// Keeps the process alive until a signal.
setInterval(() => {}, 1 << 30);
