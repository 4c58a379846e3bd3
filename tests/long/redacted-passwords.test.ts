/**
 * The long form of tests/redacted-passwords.test.ts (issue 14, item 4): every command's
 * --help with a password in REDIS_URL, and every command against an unreachable Redis
 * (one URL form and the cluster forms), each a real process, grepped for the password.
 */
import { test, before, after } from 'node:test';
import { randomUUID } from 'node:crypto';
import { freePort } from '../helpers/redis-server.ts';
import { assertNoPassword, password, passwordServer, runAll } from '../helpers/password-check.ts';

let world: Awaited<ReturnType<typeof passwordServer>>;
before(async () => (world = await passwordServer()));
after(async () => world.stop());

const commands = ['worker', 'call', 'result', 'beat', 'inspect', 'queues', 'purge', 'dead', 'acl', 'control', 'monitor'];
const app = ['-A', 'tests/fixtures/app.ts'];

test('--help of every command, with the password in REDIS_URL', async () => {
  const unreachable = `redis://user:${password}@127.0.0.1:${await freePort()}`;
  // Help texts that name a default would show REDIS_URL: it holds the password here.
  assertNoPassword(await runAll([['--help'], ...commands.map((command) => [command, '--help']), ['queues'], ['inspect', 'conf']], { REDIS_URL: unreachable }));
});

test('every command against an unreachable Redis, and the cluster URL forms', async () => {
  const deadPort = await freePort();
  const unreachable = `redis://user:${password}@127.0.0.1:${deadPort}`;
  assertNoPassword(await runAll([
    ['worker', ...app, '--redis', unreachable, '--connect-timeout-ms', '300'], ['call', 'add', ...app, '--args', '[1, 2]', '--redis', unreachable],
    ['result', randomUUID(), '--redis', unreachable], ['beat', 'list', '--redis', unreachable], ['inspect', 'stats', '--redis', unreachable],
    ['queues', '--redis', unreachable], ['purge', '-Q', 'q', '--force', '--redis', unreachable], ['dead', 'list', '-Q', 'q', '--redis', unreachable],
    ['control', 'ping', '--redis', unreachable], ['acl', '--role', 'worker', '--queues', 'a', '--password', 'x', '--apply', '--redis', unreachable],
    ['monitor', '--redis', unreachable, '--port', String(await freePort())],
    ['queues', '--redis', `redis-cluster://:${password}@127.0.0.1:${deadPort},127.0.0.1:${deadPort}`, '--connect-timeout-ms', '300'],
    ['queues', '--redis', `redis-cluster://u:${password}@bad host:1`],
  ]));
});
