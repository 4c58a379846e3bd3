// Overview: workers online, tasks per second, what waits, and what each job costs Redis,
// live from the feed; per-minute history and runtime quantiles wait on the events stream.
import { h, card, number, waitingPanel } from '../dom.js';
import { lineChart } from '../chart.js';

export function overview(root) {
  const cards = h('div', { class: 'cards' },
    card('workers online', '–', 'ov-workers'), card('tasks / s (live)', '–', 'ov-rate'), card('failures / s (live)', '–', 'ov-failures'),
    card('ready messages', '–', 'ov-ready'), card('dead letters', '–', 'ov-dead'), card('Redis memory', '–', 'ov-memory'));
  const rateBox = h('div', { class: 'chart' });
  const depthBox = h('div', { class: 'chart' });
  const costBox = h('div', { class: 'chart' });
  const perJob = h('div', { class: 'cards' }, card('Redis calls per job', '–', 'ov-calls-job'), card('Redis CPU µs per job', '–', 'ov-cpu-job'), card('network bytes per job', '–', 'ov-bytes-job'));
  root.append(
    h('h1', {}, 'Overview'), cards,
    h('div', { class: 'grid' },
      h('section', { class: 'panel' }, h('h2', {}, 'Throughput, live'), rateBox, h('p', { class: 'muted' }, 'Tasks ended per second, from the workers\' registry counts since this page\'s server started.')),
      h('section', { class: 'panel' }, h('h2', {}, 'Queue depths'), depthBox),
      h('section', { class: 'panel', 'aria-labelledby': 'cost-title' }, h('h2', { id: 'cost-title' }, 'Redis cost'), perJob, costBox,
        h('p', { class: 'muted' }, 'Per job: INFO deltas (commands, CPU, network) over the last 10 ticks divided by the tasks that ended in them (– while none end); includes the monitor\'s own reads.')),
      waitingPanel('Throughput and failures per minute', 'the per-minute counters (issue 11, item 5) are not in this build yet; the live rate above comes from the registry.'),
      waitingPanel('Runtime p50 and p95', 'runtimes come from the per-minute counters (issue 11, item 5); nothing is estimated until they land.'),
    ));
  const rate = lineChart(rateBox, 'tasks / s', ['ended', 'failed'], (samples) => [samples.map((s) => s.tasksPerSecond), samples.map((s) => s.failuresPerSecond)]);
  const queueNames = (samples) => [...new Set(samples.flatMap((s) => Object.keys(s.queues)))].sort();
  const depth = lineChart(depthBox, 'waiting (ready + scheduled)', [], (samples, names) => names.map((name) => samples.map((s) => (s.queues[name] ? s.queues[name].ready + s.queues[name].scheduled : null))));
  const cost = lineChart(costBox, 'Redis calls / s', ['calls / s'], (samples) => [samples.map((s) => s.redis.calls)]);
  const set = (id, text) => {
    const element = document.getElementById(id);
    if (element) element.textContent = text;
  };
  return {
    tick(feed) {
      const { latest, samples } = feed;
      if (!latest) return;
      const { sample } = latest;
      const totals = Object.values(sample.queues);
      set('ov-workers', number(sample.workersOnline));
      set('ov-rate', number(sample.tasksPerSecond, 1));
      set('ov-failures', number(sample.failuresPerSecond, 1));
      set('ov-ready', number(totals.reduce((sum, q) => sum + q.ready, 0)));
      set('ov-dead', number(totals.reduce((sum, q) => sum + q.dead, 0)));
      set('ov-memory', `${number(sample.redis.memoryBytes / 1048576, 1)} MiB`);
      const lastPerJob = sample.perJob;
      set('ov-calls-job', number(lastPerJob?.calls, 2));
      set('ov-cpu-job', number(lastPerJob?.cpuUs, 1));
      set('ov-bytes-job', number(lastPerJob?.netBytes, 0));
      rate.update(samples);
      depth.update(samples, queueNames(samples));
      cost.update(samples);
    },
    leave() {
      rate.destroy();
      depth.destroy();
      cost.destroy();
    },
  };
}
