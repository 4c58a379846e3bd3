// Tasks: what runs, waits and died, filtered by state, name, queue and worker, and a search
// by id. Finished tasks come with the events stream; until then the page says so.
import { h, table, time, waitingPanel } from '../dom.js';
import { api, toast } from '../app.js';

const states = ['', 'STARTED', 'RESERVED', 'SCHEDULED', 'DEAD'];

export function tasks(root) {
  const input = (label, name, attributes = {}) => h('label', {}, label, h('input', { name, ...attributes }));
  const form = h('form', { class: 'inline', role: 'search', 'aria-label': 'filter tasks' },
    h('label', {}, 'state', h('select', { name: 'state' }, states.map((state) => h('option', { value: state }, state || 'any')))),
    input('name', 'name', { placeholder: 'task name' }), input('queue', 'queue'), input('worker', 'worker'),
    input('task id', 'id', { placeholder: 'find by id', size: 36 }), h('button', { type: 'submit' }, 'search'));
  const results = h('div', {}, h('p', { class: 'muted' }, 'loading…'));
  root.append(h('h1', {}, 'Tasks'), form, results, h('div', { style: 'margin-top:1rem' },
    waitingPanel('Finished tasks and their timelines', 'succeeded and failed tasks are listed from the capped events stream (issue 11, item 5); search by id already finds any task whose result is stored.')));
  async function load() {
    const filter = Object.fromEntries([...new FormData(form)].filter(([, value]) => value !== ''));
    if (filter.id !== undefined && filter.state === undefined && filter.name === undefined) {
      location.hash = `#/task/${encodeURIComponent(filter.id)}`;
      return;
    }
    try {
      const { tasks: rows } = await api(`/api/tasks?${new URLSearchParams(filter)}`);
      results.replaceChildren(table(['id', 'task', 'state', 'queue', 'worker', 'at', 'args or reason'], rows.map((row) => h('tr', {},
        h('td', {}, row.id ? h('a', { href: `#/task/${encodeURIComponent(row.id)}${row.queue ? `/${encodeURIComponent(row.queue)}` : ''}` }, h('code', {}, row.id)) : '–'),
        h('td', {}, row.task ?? '–'), h('td', {}, h('span', { class: `chip ${row.state === 'DEAD' ? 'bad' : ''}` }, row.state)), h('td', {}, row.queue),
        h('td', {}, row.worker ?? ''), h('td', {}, time(row.atMs)), h('td', {}, h('code', {}, row.reason ?? row.args ?? '')))), {
        label: 'tasks', empty: 'no task matches (running, held, scheduled and dead tasks are listed)',
      }));
    } catch (error) {
      toast(`loading tasks failed: ${error.message}`, true);
    }
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  load();
  return {};
}
