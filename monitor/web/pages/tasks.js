// Tasks: what runs, waits, died and ended lately (the events stream), filtered by state,
// name, queue and worker, and a search by id.
import { h, table, time } from '../dom.js';
import { api, toast } from '../app.js';

const states = ['', 'STARTED', 'RESERVED', 'SCHEDULED', 'SUCCESS', 'FAILURE', 'RETRY', 'REVOKED', 'DEAD'];

export function tasks(root) {
  const input = (label, name, attributes = {}) => h('label', {}, label, h('input', { name, ...attributes }));
  const form = h('form', { class: 'inline', role: 'search', 'aria-label': 'filter tasks' },
    h('label', {}, 'state', h('select', { name: 'state' }, states.map((state) => h('option', { value: state }, state || 'any')))),
    input('name', 'name', { placeholder: 'task name' }), input('queue', 'queue'), input('worker', 'worker'),
    h('label', {}, 'time', h('select', { name: 'since' }, [['', 'any time'], ['300000', 'last 5 min'], ['3600000', 'last hour'], ['86400000', 'last day']].map(([value, text]) => h('option', { value }, text)))),
    input('task id', 'id', { placeholder: 'find by id', size: 36 }), h('button', { type: 'submit' }, 'search'));
  const results = h('div', {}, h('p', { class: 'muted' }, 'loading…'));
  root.append(h('h1', {}, 'Tasks'), form, results, h('p', { class: 'muted' }, 'Ended tasks come from each queue\'s capped events stream (workers with events on); a search by id finds any task whose result is stored.'));
  async function load() {
    const { since, ...filter } = Object.fromEntries([...new FormData(form)].filter(([, value]) => value !== ''));
    if (since) filter.sinceMs = String(Date.now() - Number(since));
    if (filter.id !== undefined && filter.state === undefined && filter.name === undefined) {
      location.hash = `#/task/${encodeURIComponent(filter.id)}`;
      return;
    }
    try {
      const { tasks: rows } = await api(`/api/tasks?${new URLSearchParams(filter)}`);
      results.replaceChildren(table(['id', 'task', 'state', 'queue', 'worker', 'at', 'args or reason'], rows.map((row) => h('tr', {},
        h('td', {}, row.id ? h('a', { href: `#/task/${encodeURIComponent(row.id)}${row.queue ? `/${encodeURIComponent(row.queue)}` : ''}` }, h('code', {}, row.id)) : '–'),
        h('td', {}, row.task ?? '–'), h('td', {}, h('span', { class: `chip ${['DEAD', 'FAILURE', 'REVOKED'].includes(row.state) ? 'bad' : row.state === 'SUCCESS' ? 'good' : ''}` }, row.state)), h('td', {}, row.queue),
        h('td', {}, row.worker ?? ''), h('td', {}, time(row.atMs)), h('td', {}, h('code', {}, row.reason ?? row.args ?? '')))), {
        label: 'tasks', empty: 'no task matches',
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
