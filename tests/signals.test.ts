/**
 * One Ctrl-C is graceful under every launcher (cli/stop-signals.ts): SIGINT to the whole
 * process group under load, 3 times per launcher (20 in tests/long/signals.test.ts). npm
 * forwards the signal too, so the worker sees two at once and must count them as one.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchers, signalRun, signalWorld } from './helpers/signal-runs.ts';

const world = signalWorld();

const modes = ['reliable', 'simple', 'reliable'] as const;

// The dist launcher is added in before(), so the tests are made for every name it may have.
describe('one SIGINT to the process group', { concurrency: true }, () => {
  for (const launcher of ['npm run consumer', 'node --import tsx cli/main.ts', 'node dist/cli/main.js']) {
    test(`${launcher}: ${modes.length} runs, each graceful, nothing lost or stranded`, async (t) => {
      if (!launchers[launcher]) return t.skip('no tsconfig.build.json to build dist/ from');
      for (const mode of modes) {
        const run = await signalRun(world.server.url, launcher, mode);
        const context = `${launcher} (${mode}):\n${run.stderr}`;
        assert.equal(run.quitAtOnce, false, `one Ctrl-C counted twice: ${context}`);
        assert.ok(run.summary, `the summary line: ${context}`);
        // npm itself takes the terminal's SIGINT and ends by it once its child is done.
        const expected = launcher.startsWith('npm') ? [0, 'SIGINT'] : [0];
        assert.ok(expected.includes(run.exit.code ?? run.exit.signal!), `exit ${run.exit.code ?? run.exit.signal}: ${context}`);
        assert.equal(run.stranded, 0, `messages left in processing lists: ${context}`);
        assert.equal(run.lost, 0, `tasks without a result after the drain: ${context}`);
      }
    });
  }
});
