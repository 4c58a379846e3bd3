// Overview: workers online, tasks per second, what waits, what each job costs Redis, tasks
// per minute and run-time quantiles (from the counters), all live from the feed.
import { h, card, number } from '../dom.js';
import { lineChart } from '../chart.js';

export function overview(root) {
  const cards = h('div', { class: 'cards' },
    card('workers online', '–', 'ov-workers'), card('tasks / s (live)', '–', 'ov-rate'), card('failures / s (live)', '–', 'ov-failures'),
    card('ready messages', '–', 'ov-ready'), card('dead letters', '–', 'ov-dead'), card('Redis memory', '–', 'ov-memory'));
  const rateBox = h('div', { class: 'chart' });
  const depthBox = h('div', { class: 'chart' });
  const costBox = h('div', { class: 'chart' });
  const minuteBox = h('div', { class: 'chart' });
  const perJob = h('div', { class: 'cards' }, card('Redis calls per job', '–', 'ov-calls-job'), card('Redis CPU µs per job', '–', 'ov-cpu-job'), card('network bytes per job', '–', 'ov-bytes-job'));
  root.append(
    h('h1', {}, 'Overview'), cards,
    h('div', { class: 'grid' },
      h('section', { class: 'panel' }, h('h2', {}, 'Throughput, live'), rateBox, h('p', { class: 'muted' }, 'Tasks ended per second, from the workers\' registry counts since this page\'s server started.')),
      h('section', { class: 'panel' }, h('h2', {}, 'Queue depths'), depthBox),
      h('section', { class: 'panel', 'aria-labelledby': 'cost-title' }, h('h2', { id: 'cost-title' }, 'Redis cost'), perJob, costBox,
        h('p', { class: 'muted' }, 'Per job: INFO deltas (commands, CPU, network) over the last 10 ticks divided by the tasks that ended in them (– while none end); includes the monitor\'s own reads.')),
      h('section', { class: 'panel' }, h('h2', {}, 'Tasks per minute'), minuteBox, h('p', { class: 'muted' }, 'From the counters the worker\'s finishing step writes: exact, and kept 3 days.')),
      h('section', { class: 'panel' }, h('h2', {}, 'Run time'), h('div', { class: 'cards' }, card('p50', '–', 'ov-p50'), card('p95', '–', 'ov-p95'), card('tasks measured', '–', 'ov-runtime-count')),
        h('p', { class: 'muted', id: 'ov-runtime-note' }, 'Over the tasks that ended in about the last minute, from the run-time histograms.')),
    ));
  const rate = lineChart(rateBox, 'tasks / s', ['ended', 'failed'], (samples) => [samples.map((s) => s.tasksPerSecond), samples.map((s) => s.failuresPerSecond)]);
  const queueNames = (samples) => [...new Set(samples.flatMap((s) => Object.keys(s.queues)))].sort();
  const depth = lineChart(depthBox, 'waiting (ready + scheduled)', [], (samples, names) => names.map((name) => samples.map((s) => (s.queues[name] ? s.queues[name].ready + s.queues[name].scheduled : null))));
  const cost = lineChart(costBox, 'Redis calls / s', ['calls / s'], (samples) => [samples.map((s) => s.redis.calls)]);
  const perMinute = lineChart(minuteBox, 'tasks / min', ['succeeded', 'failed', 'retried', 'dead'], (points) => ['SUCCESS', 'FAILURE', 'RETRY', 'DEAD'].map((state) => points.map((p) => p[state])));
  const ms = (value) => (value === undefined ? '–' : value < 1000 ? `${number(value, 1)} ms` : `${number(value / 1000, 2)} s`);
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
      const { counters, countersError } = latest;
      if (counters) perMinute.update(counters.minutes.map((point) => ({ ...point, atMs: point.minuteMs })));
      const runtime = counters?.runtime;
      set('ov-p50', ms(runtime?.p50Ms));
      set('ov-p95', ms(runtime?.p95Ms));
      set('ov-runtime-count', number(runtime?.count));
      if (countersError) set('ov-runtime-note', `The counters could not be read: ${countersError}`);
    },
    leave() {
      rate.destroy();
      depth.destroy();
      cost.destroy();
      perMinute.destroy();
    },
  };
}
