// Queues: depth per state, live, with a chart; purge asks for a second click that names
// how much it deletes.
import { h, table, number, ago } from '../dom.js';
import { lineChart } from '../chart.js';
import { api, act } from '../app.js';

export function queues(root) {
  const body = h('div', {});
  const chartBox = h('div', { class: 'chart' });
  let pending;
  root.append(h('h1', {}, 'Queues'), body, h('section', { class: 'panel', style: 'margin-top:1rem' }, h('h2', {}, 'Ready messages over time'), chartBox));
  const names = (samples) => [...new Set(samples.flatMap((s) => Object.keys(s.queues)))].sort();
  const chart = lineChart(chartBox, 'ready', [], (samples, list) => list.map((name) => samples.map((s) => s.queues[name]?.ready ?? null)));
  let last;
  function purgeButtons(q) {
    if (pending === q.queue) {
      const scheduled = h('input', { type: 'checkbox', id: `purge-scheduled-${q.queue}` });
      return h('div', { class: 'actions action' },
        h('button', { type: 'button', class: 'danger', 'aria-label': `confirm purge of ${q.queue}`, onclick: async () => {
          pending = undefined;
          await act(`purge ${q.queue}`, async () => {
            const result = await api(`/api/queue/${encodeURIComponent(q.queue)}/purge`, { scheduled: scheduled.checked });
            return `${result.ready} ready and ${result.scheduled} scheduled deleted`;
          });
        } }, `confirm: delete ${number(q.ready)} ready`),
        h('label', { class: 'check', for: scheduled.id }, scheduled, `and ${number(q.scheduled)} scheduled`),
        h('button', { type: 'button', onclick: () => { pending = undefined; render(); } }, 'cancel'));
    }
    return h('div', { class: 'actions action' }, h('button', { type: 'button', class: 'danger', 'aria-label': `purge ${q.queue}`, onclick: () => { pending = q.queue; render(); } }, 'purge…'));
  }
  function render() {
    if (!last) return;
    body.replaceChildren(table(['queue', 'ready', 'scheduled', 'processing', 'quarantine', 'dead', 'consumers', 'oldest waiting', 'actions'], last.map((q) => h('tr', { 'data-queue': q.queue },
      h('td', {}, q.queue), h('td', { class: 'num' }, number(q.ready)), h('td', { class: 'num' }, number(q.scheduled)), h('td', { class: 'num' }, number(q.processing)),
      h('td', { class: 'num' }, number(q.quarantine)), h('td', { class: 'num' }, h('a', { href: `#/dead/${encodeURIComponent(q.queue)}` }, number(q.dead))),
      h('td', { class: 'num' }, number(q.consumers)), h('td', { class: 'num' }, ago(q.oldestAgeMs)), h('td', { class: 'action' }, purgeButtons(q)))), {
      label: 'queues', numeric: ['ready', 'scheduled', 'processing', 'quarantine', 'dead', 'consumers', 'oldest waiting'],
    }));
  }
  return {
    tick(feed) {
      last = feed.latest.queues;
      // While a purge waits for its confirm, the row stays still so the button does not move.
      if (pending === undefined) render();
      chart.update(feed.samples, names(feed.samples));
    },
    leave() {
      chart.destroy();
    },
  };
}
