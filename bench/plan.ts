/**
 * The run as a list of steps, in the order they run. Runs are interleaved (run 1 of every
 * system, then run 2, ...) so that a slow minute on a shared VM spreads over all systems
 * instead of landing on one. W3 and start-up run more rounds than the rest (flags.ts); the
 * rounds past `runs` hold only those. Each step appends its sample to the results.
 */
import type { BenchContext } from './context.ts';
import type { Profile } from './flags.ts';
import type { PlannedStep } from './progress.ts';
import type { Results } from './results.ts';
import type { Runtime, System } from './systems.ts';
import { enqueueDrain } from './workloads/enqueue-drain.ts';
import { singleEnqueue } from './workloads/single-enqueue.ts';
import { latency } from './workloads/latency.ts';
import { scaling } from './workloads/scaling.ts';
import { w6Steps } from './w6-steps.ts';
import { startup } from './workloads/startup.ts';
import { buildCompiled } from './compiled.ts';

export function buildPlan(ctx: BenchContext, profile: Profile, chosen: System[], results: Results): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const has = (name: Parameters<Profile['workloads']['has']>[0]) => profile.workloads.has(name);
  const label = (system: System, what: string, run: number, runs: number) => `${system.id} · ${what} · run ${run}/${runs}`;
  const drainGuessS = (system: System, n: number) => 3 + n / system.guessRates.enqueue + n / system.guessRates.drain;

  const startupRuns: [System, Runtime][] = chosen.filter((s) => s.startup).flatMap((s): [System, Runtime][] =>
    (s.family === 'hardq' ? [[s, 'compiled'], [s, 'tsx']] : [[s, 'compiled']]));
  if (has('startup') && startupRuns.length > 0) {
    steps.push({ label: 'build compiled JavaScript for start-up', guessS: 20, run: async () => buildCompiled() });
  }
  const rounds = Math.max(profile.runs, has('w3') ? profile.latency.runs : 0, has('startup') ? profile.startup.runs : 0);
  for (let run = 1; run <= rounds; run++) {
    if (has('startup') && run <= profile.startup.runs) {
      for (const [system, runtime] of startupRuns) {
        steps.push({
          label: label(system, `start-up, ${runtime}`, run, profile.startup.runs),
          guessS: 4,
          run: async () => void results.startup.push(await startup(ctx, system, runtime, run)),
        });
      }
    }
    if (has('w3') && run <= profile.latency.runs) {
      for (const system of chosen.filter((s) => s.w3)) {
        steps.push({
          label: label(system, `W3 ${profile.latency.ratePerS}/s`, run, profile.latency.runs),
          guessS: 3 + (profile.latency.idleMs + profile.latency.durationMs) / 1000,
          run: async () => void results.latency.push(await latency(ctx, system, profile.latency, run)),
        });
      }
    }
    if (run > profile.runs) continue;
    if (has('w1w2')) {
      // The plain-node loop is W3's floor only: it reports latency samples, not drains.
      for (const system of chosen.filter((s) => s.plainWorker === undefined)) {
        steps.push({
          label: label(system, `W1+W2 N=${profile.n}`, run, profile.runs),
          guessS: drainGuessS(system, profile.n),
          run: async () => void results.drain.push(await enqueueDrain(ctx, system, profile.n, run)),
        });
      }
    }
    if (has('single')) {
      for (const system of chosen.filter((s) => s.single)) {
        steps.push({
          label: label(system, `W1 single N=${profile.singleN}`, run, profile.runs),
          guessS: 1 + profile.singleN / (system.guessRates.enqueue / 15),
          run: async () => void results.single.push(await singleEnqueue(ctx, system, profile.singleN, run)),
        });
      }
    }
    const reliable = chosen.find((s) => s.id === 'hardq-reliable');
    if (has('w5') && reliable) {
      for (const shape of profile.scaling.shapes) {
        for (const processes of profile.scaling.processes) {
          steps.push({
            label: label(reliable, `W5 ${processes} process${processes > 1 ? 'es' : ''}${shape === 'group' ? ', hardq worker --processes' : ''}`, run, profile.runs),
            guessS: 3 + processes * 0.7 + profile.scaling.n / 40_000,
            run: async () => void results.scaling.push(await scaling(ctx, reliable, processes, profile.scaling.n, run, shape)),
          });
        }
      }
    }
    if (has('w6')) steps.push(...w6Steps(ctx, profile, chosen, results, run));
    if (has('big')) {
      for (const system of chosen.filter((s) => s.big)) {
        steps.push({
          label: label(system, `W1+W2 N=${profile.bigN}`, run, profile.runs),
          guessS: drainGuessS(system, profile.bigN),
          run: async () => void results.big.push(await enqueueDrain(ctx, system, profile.bigN, run)),
        });
      }
    }
  }
  return steps;
}
