/**
 * `npm run demo`: the whole path on one screen. It starts a throwaway redis-server, a
 * worker in its own process (`hardq worker`), and sends a mix of the demo tasks from this
 * process; then prints what happened and the Redis keys left behind. It always runs on its
 * own redis-server, never on $REDIS_URL: a workshop's Redis keeps its tasks and results.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { keyCatalog } from 'hardq';
import { startThrowawayRedis } from './throwaway-redis.ts';
import { clock, exitWith } from '../cli/exit.ts';
import { parseFlags } from '../cli/flags.ts';

const usage = `usage: npm run demo [-- --help]
Starts its own throwaway redis-server (on a free port, stopped at the end), one worker
process (hardq worker -A scripts/demo-app.ts) and sends the demo tasks: add,
send_registration_email, resize_image, flaky, one unregistered name and one countdown.
Prints each result and the Redis keys left behind. It never uses $REDIS_URL.`;

try {
  if (parseFlags('npm run demo --', { options: { help: { type: 'boolean', short: 'h', default: false } } }).values.help) {
    console.log(usage);
    process.exit(0);
  }
} catch (error) {
  exitWith(error);
}
const started = Date.now();
if (process.env.REDIS_URL) console.log(`demo: REDIS_URL is set; the demo leaves that Redis alone and starts its own`);
const redis = await startThrowawayRedis();
process.env.REDIS_URL = redis.url;
console.log(`demo: started a throwaway redis-server at ${redis.url} (pid ${redis.pid})`);
const url = redis.url;
const { default: app } = await import('./demo-app.ts');

const main = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const demoApp = fileURLToPath(new URL('./demo-app.ts', import.meta.url));
// One plain node process (never the tsx wrapper), so SIGTERM below reaches the worker itself.
const consumer = spawn(process.execPath, ['--import', 'tsx', main, 'worker', '-A', demoApp, '--redis', url, '--concurrency', '20'], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
const prefix = (stream: NodeJS.ReadableStream) => {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) console.log(`  [consumer] ${line}`);
  });
};
prefix(consumer.stdout!);
prefix(consumer.stderr!);
const guard = setTimeout(() => {
  console.error('demo: gave up after 60 s');
  consumer.kill('SIGKILL');
  process.exit(1);
}, 60_000);

try {
  const sends = [
    app.sendMany('add', [[2, 3], [40, 2], [1, 1]]),
    app.sendMany('send_registration_email', [['ada@example.com'], ['grace@example.com']]),
    app.sendMany('resize_image', [[1920, 1080], [800, 600], [640, 480]]),
    app.sendMany('flaky', [[1], [2], [3], [4], [5], [6]]),
    app.sendMany('no_such_task', [[]]),
    app.sendTask('add', [100, 1], { countdownMs: 500 }).then((result) => [result]),
  ];
  const results = (await Promise.all(sends)).flat();
  console.log(`demo: ${clock()} sent ${results.length} tasks (one for a task nobody registered, one with a 500 ms countdown)`);
  const outcomes = await Promise.allSettled(results.map((result) => result.get({ timeoutMs: 30_000 })));
  const done = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
  console.log(`\ndemo: ${done} succeeded, ${outcomes.length - done} failed, in ${Date.now() - started} ms from start`);
  for (const [i, outcome] of outcomes.entries()) {
    const id = results[i]!.id.slice(0, 8);
    if (outcome.status === 'fulfilled') console.log(`  ${id}…  SUCCESS  ${JSON.stringify(outcome.value)}`);
    else console.log(`  ${id}…  ${(outcome.reason as { code?: string }).code === 'TASK_FAILED' ? 'FAILURE' : 'ERROR'}  ${(outcome.reason as Error).message}`);
  }
  const connection = await app.connection();
  const keys = (await connection.keys(`${app.keys.prefix}:*`)).sort();
  console.log(`\ndemo: keys left in Redis (${keys.length}):`);
  // Group keys by kind with the key catalog's patterns: the queue stays, ids collapse into placeholders.
  const catalog = Object.values(keyCatalog(app.keys)).map((pattern) => {
    const source = pattern.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&').replace(/<(?!queue>)[a-z-]+>/g, '.+').replace('<queue>', '(?<queue>[^}]+)');
    return { pattern, regexp: new RegExp(`^${source}$`) };
  });
  const kinds = new Map<string, string[]>();
  for (const key of keys) {
    const known = catalog.map(({ pattern, regexp }) => ({ pattern, match: regexp.exec(key) })).find(({ match }) => match !== null);
    const kind = known ? known.pattern.replace('<queue>', known.match!.groups?.queue ?? '<queue>') : key;
    kinds.set(kind, [...(kinds.get(kind) ?? []), key]);
  }
  for (const [kind, members] of kinds) {
    console.log(`  ${kind}${members.length > 1 ? `  ×${members.length}` : ''}  (${await connection.type(members[0]!)})`);
  }
  console.log(`  results expire after ${app.config.resultTtlMs / 3_600_000} h; the dead-letter list keeps the newest 10,000 entries`);
} finally {
  clearTimeout(guard);
  await app.close();
  const exited = new Promise((resolve) => consumer.once('exit', resolve));
  consumer.kill('SIGTERM');
  await exited;
  await redis.stop();
  console.log(`demo: done in ${Date.now() - started} ms; the throwaway redis-server is stopped`);
}
