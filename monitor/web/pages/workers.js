// Workers: the registry's records, live from the feed, with each control command as an action.
import { h, table, number, ago } from '../dom.js';
import { api, act, describeReplies } from '../app.js';

const control = (command, worker, args = {}) => act(`${command} ${worker ?? 'all workers'}`, async () => describeReplies(await api(`/api/control/${command}`, { worker, args })));

function row(worker) {
  const counts = worker.counts;
  return h('tr', { 'data-worker': worker.id },
    h('td', {}, h('code', {}, worker.id), h('div', { class: 'muted' }, `${worker.host} · pid ${worker.pid} · v${worker.version}`)),
    h('td', {}, h('span', { class: `chip ${worker.online ? 'good' : 'bad'}` }, worker.online ? 'online' : `offline (${ago(worker.ageMs)})`)),
    h('td', {}, `${worker.pool} · ${worker.mode}`),
    h('td', { class: 'num', 'data-field': 'concurrency' }, number(worker.concurrency)),
    h('td', { class: 'num' }, number(worker.inFlight)),
    h('td', { class: 'num' }, worker.load.map((load) => load.toFixed(2)).join(' ')),
    h('td', { class: 'num', 'aria-label': `${counts.SUCCESS} succeeded, ${counts.FAILURE} failed, ${counts.RETRY} retried, ${counts.REVOKED} revoked, ${counts.DEAD} dead` }, `${number(counts.SUCCESS)} ✓ · ${number(counts.FAILURE)} ✗ · ${number(counts.RETRY)} ↻ · ${number(counts.REVOKED)} ⊘ · ${number(counts.DEAD)} ☠`),
    h('td', {}, worker.queues.join(', ')),
    h('td', { class: 'action' }, h('div', { class: 'actions' },
      h('button', { type: 'button', 'aria-label': `grow the pool of ${worker.id} by 1`, onclick: () => control('pool_grow', worker.id, { n: 1 }) }, 'pool +1'),
      h('button', { type: 'button', 'aria-label': `shrink the pool of ${worker.id} by 1`, onclick: () => control('pool_shrink', worker.id, { n: 1 }) }, 'pool −1'),
      h('button', { type: 'button', class: 'danger', 'aria-label': `shut down ${worker.id}`, onclick: () => confirm(`Shut down ${worker.id}? It finishes what it runs and exits.`) && control('shutdown', worker.id) }, 'shutdown'))));
}

function controlForm(workers) {
  const field = (label, name, attributes = {}) => h('label', {}, label, h('input', { name, ...attributes }));
  const worker = h('select', { name: 'worker', 'aria-label': 'worker' }, h('option', { value: '' }, 'all online workers'), workers.map((w) => h('option', { value: w.id }, w.id)));
  const command = h('select', { name: 'command', 'aria-label': 'command' }, ['rate_limit', 'time_limit', 'autoscale', 'add_consumer', 'cancel_consumer', 'enable_events', 'disable_events', 'ping'].map((name) => h('option', {}, name)));
  const form = h('form', { class: 'inline action', 'aria-label': 'send a control command' },
    h('label', {}, 'worker', worker), h('label', {}, 'command', command),
    field('task', 'task', { placeholder: 'task name' }), field('rate', 'rate', { placeholder: '10/s, 0 or none' }),
    field('soft limit ms', 'softMs', { inputmode: 'numeric' }), field('hard limit ms', 'hardMs', { inputmode: 'numeric' }),
    field('queue', 'queue', { placeholder: 'queue name' }), field('autoscale max', 'max', { inputmode: 'numeric' }),
    field('autoscale min', 'min', { inputmode: 'numeric' }), h('button', { type: 'submit' }, 'send'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    const limit = (text) => (text === '' ? null : Number(text));
    const args = {
      rate_limit: { task: data.task, rate: data.rate }, time_limit: { task: data.task, softMs: limit(data.softMs), hardMs: limit(data.hardMs) },
      add_consumer: { queue: data.queue }, cancel_consumer: { queue: data.queue }, autoscale: { max: Number(data.max), min: Number(data.min) },
    }[data.command] ?? {};
    control(data.command, data.worker || undefined, args);
  });
  return form;
}

export function workers(root) {
  const body = h('div', {});
  const formBox = h('div', {});
  let known = '';
  root.append(h('h1', {}, 'Workers'), formBox, body);
  return {
    tick(feed) {
      const list = feed.latest.workers;
      const ids = list.map((w) => w.id).join();
      if (ids !== known) {
        known = ids;
        formBox.replaceChildren(controlForm(list));
      }
      body.replaceChildren(table(['worker', 'status', 'pool', 'concurrency', 'in flight', 'load', 'ended', 'queues', 'actions'], list.map(row), {
        label: 'workers', numeric: ['concurrency', 'in flight', 'load', 'ended'], empty: 'no worker has written a registry record',
      }));
    },
  };
}
