/**
 * `npm run bench`: hardq side by side with BullMQ, Bee-Queue, Celery and raw ioredis
 * (issue 6). It starts its own throwaway redis-server, runs the planned steps (plan.ts)
 * with every system's worker in a child process, then writes bench/results/<timestamp>.json
 * (raw samples), latest.md (the tables, also printed) and the SVG charts.
 * Exit code 1 when any step failed, so CI's --smoke catches a harness that has rotted.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { startThrowawayRedis } from '../scripts/throwaway-redis.ts';
import { childTracker, type BenchContext } from './context.ts';
import { parseFlags, usage } from './flags.ts';
import { buildPlan } from './plan.ts';
import { Progress } from './progress.ts';
import { describeRun, type Results } from './results.ts';
import { missing, selectSystems } from './systems.ts';
import { writeReport } from './report/write-report.ts';

async function main(argv: string[]): Promise<number> {
  let flags;
  try {
    flags = parseFlags(argv);
  } catch (error) {
    console.error(`bench: ${(error as Error).message}\n${usage}`);
    return 2;
  }
  const { profile } = flags;
  const notices: string[] = [];
  const chosen = selectSystems(flags.only).filter((system) => !profile.skip.includes(system.id)).filter((system) => {
    const why = missing(system);
    if (why !== undefined && !notices.includes(why)) notices.push(why);
    return why === undefined;
  });
  for (const notice of notices) console.error(`bench: ${notice}`);

  const server = await startThrowawayRedis();
  const tmpDir = mkdtempSync(join(tmpdir(), 'hardq-bench-'));
  const admin = new Redis(server.url);
  const resultsDb = new Redis(`${server.url}/1`);
  const ctx: BenchContext = { url: server.url, admin, resultsDb, tmpDir, ...childTracker() };
  const stopEverything = async () => {
    await ctx.stopAll();
    admin.disconnect();
    resultsDb.disconnect();
    await server.stop();
    rmSync(tmpDir, { recursive: true, force: true });
  };
  // Ctrl-C: stop every child by pid and the server, then leave.
  process.once('SIGINT', () => void stopEverything().finally(() => process.exit(130)));

  const results: Results = {
    meta: await describeRun(admin, profile, argv, chosen.map(({ id, label }) => ({ id, label }))),
    notices, errors: [], drain: [], big: [], single: [], latency: [], scaling: [], startup: [],
  };
  const steps = buildPlan(ctx, profile, chosen, results);
  const progress = new Progress(steps);
  console.error(`bench: ${profile.name} run, ${steps.length} steps, redis-server ${results.meta.versions.redis} on port ${server.port}`);
  for (const step of steps) {
    progress.begin(step);
    try {
      await step.run();
    } catch (error) {
      const message = (error as Error).message.split('\n')[0]!;
      results.errors.push({ step: step.label, message });
      console.error(`bench: FAILED ${step.label}: ${message}`);
      await ctx.stopAll();
    }
    progress.end(step);
  }
  results.meta.finishedAt = new Date().toISOString();
  results.meta.durationS = Math.round(progress.elapsedS);
  results.meta.loadAverage.end = loadavg()[0]!;
  await stopEverything();

  const outDir = resolve(flags.out);
  mkdirSync(outDir, { recursive: true });
  const stamp = results.meta.startedAt.replace(/[:.]/g, '-');
  writeFileSync(join(outDir, `${stamp}.json`), `${JSON.stringify(results)}\n`);
  const markdown = writeReport(results, outDir);
  console.log(markdown);
  console.error(`bench: wrote ${join(flags.out, `${stamp}.json`)}, ${join(flags.out, 'latest.md')} and the charts in ${flags.out}/ (${results.meta.durationS} s)`);
  if (results.errors.length > 0) console.error(`bench: ${results.errors.length} step(s) failed`);
  return results.errors.length > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
