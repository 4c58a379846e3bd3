/**
 * The long form of tests/signals.test.ts (npm run test:long): 20 runs per launcher,
 * alternating reliable and simple mode, each one SIGINT to the process group under load.
 * It prints one line of counts per launcher for the record.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchers, signalRun, signalWorld } from '../helpers/signal-runs.ts';

const runsPerLauncher = Number(process.env.HARDQ_SIGNAL_RUNS ?? 20);
const world = signalWorld();

describe(`one SIGINT to the process group, ${runsPerLauncher} times per launcher`, { concurrency: true }, () => {
  for (const launcher of ['npm run consumer', 'node --import tsx cli/main.ts', 'node dist/cli/main.js']) {
    test(launcher, async (t) => {
      if (!launchers[launcher]) return t.skip('no tsconfig.build.json to build dist/ from');
      const tally = { runs: 0, graceful: 0, quitAtOnce: 0, stranded: 0, lost: 0, sent: 0 };
      for (let i = 0; i < runsPerLauncher; i++) {
        const mode = i % 2 === 0 ? 'reliable' : 'simple';
        const run = await signalRun(world.server.url, launcher, mode);
        tally.runs++;
        tally.sent += run.sent;
        tally.stranded += run.stranded;
        tally.lost += run.lost;
        if (run.quitAtOnce) tally.quitAtOnce++;
        else if (run.summary) tally.graceful++;
      }
      t.diagnostic(`${launcher}: ${JSON.stringify(tally)}`);
      console.log(`signals ${launcher}: ${JSON.stringify(tally)}`);
      assert.deepEqual({ graceful: tally.graceful, quitAtOnce: tally.quitAtOnce, stranded: tally.stranded, lost: tally.lost },
        { graceful: runsPerLauncher, quitAtOnce: 0, stranded: 0, lost: 0 });
    });
  }
});
