/**
 * Reads a V8 CPU profile (node:inspector's Profiler.stop, or `node --cpu-prof`) and says
 * where the time went: self time by group (garbage collection, hardq's own folders,
 * ioredis, Node's internals) and the functions with the most self time.
 *
 *   sh scripts/bootstrap.sh tsx bench/profile-summary.ts file.cpuprofile
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

type CallFrame = { functionName: string; url: string; lineNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] };
export type CpuProfile = { nodes: ProfileNode[]; startTime: number; endTime: number; samples?: number[]; timeDeltas?: number[] };

/** A frame's group: the folder for hardq's files, the package for dependencies. */
function groupOf(frame: CallFrame): string {
  if (frame.functionName === '(garbage collector)') return 'GC';
  if (frame.functionName === '(idle)' || frame.functionName === '(program)') return frame.functionName;
  const url = frame.url;
  if (url === '') return 'native';
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1]!;
  if (url.startsWith('node:')) return 'node';
  const own = /\/(consumer|producer|shared|admin|monitor|beat|cli)\//.exec(url);
  return own ? `hardq ${own[1]}/` : 'other';
}

/** Self time in µs per node, from the samples and their time deltas. */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // A sample's time is the gap to the next one.
    const us = deltas[i + 1] ?? 0;
    self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + us);
  }
  return self;
}

export function summarizeProfile(profile: CpuProfile, top = 25): string {
  const self = selfTimes(profile);
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const groups = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const frame = byNode.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    total += us;
    const group = groupOf(frame);
    groups.set(group, (groups.get(group) ?? 0) + us);
    const file = frame.url.replace(/^.*\/(node_modules\/|work\/main\/)?/, '');
    const name = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const percent = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  const lines = [`busy (not idle) ${(total / 1000).toFixed(0)} ms; self time by group:`];
  for (const [group, us] of [...groups].sort((a, b) => b[1] - a[1])) lines.push(`  ${percent(us)}  ${group}`);
  lines.push(`top ${top} functions by self time:`);
  for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${percent(us)}  ${name}`);
  return lines.join('\n');
}

type AllocationNode = { callFrame: CallFrame; selfSize: number; children: AllocationNode[] };
export type AllocationProfile = { head: AllocationNode };

/** Bytes allocated per job by function (HeapProfiler's sampling: estimates, not exact counts). */
export function summarizeAllocations(profile: AllocationProfile, jobs: number, top = 15): string {
  const byFunction = new Map<string, number>();
  let total = 0;
  const walk = (node: AllocationNode) => {
    if (node.selfSize > 0) {
      const file = node.callFrame.url.replace(/^.*\/(node_modules\/|work\/main\/)?/, '');
      const name = `${node.callFrame.functionName || '(anonymous)'} ${file}:${node.callFrame.lineNumber + 1}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  const lines = [`allocated about ${(total / jobs).toFixed(0)} B/job; by function:`];
  for (const [name, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${(bytes / jobs).toFixed(0).padStart(6)} B/job  ${name}`);
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error('usage: tsx bench/profile-summary.ts file.cpuprofile');
    process.exit(2);
  }
  console.log(summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile));
}
