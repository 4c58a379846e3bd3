// Dead letters of one queue: filter by reason, show the raw message, requeue or drop one
// entry or all of them (all asks first). The same functions as `hardq dead`.
import { h, table, time } from '../dom.js';
import { api, act, feed } from '../app.js';

export function dead(root, [initialQueue]) {
  const queueNames = feed.config.queues;
  const queue = h('select', { name: 'queue' }, queueNames.map((name) => h('option', { value: name, selected: name === initialQueue }, name)));
  const reason = h('input', { name: 'reason', placeholder: 'any reason' });
  const form = h('form', { class: 'inline', 'aria-label': 'choose dead letters' }, h('label', {}, 'queue', queue), h('label', {}, 'reason', reason), h('button', { type: 'submit' }, 'show'));
  const body = h('div', {});
  const bulk = h('div', { class: 'actions action', style: 'margin-bottom:1rem' },
    h('button', { type: 'button', onclick: () => everything('requeue') }, 'requeue all shown'),
    h('button', { type: 'button', class: 'danger', onclick: () => everything('drop') }, 'drop all shown'));
  root.append(h('h1', {}, 'Dead letters'), form, bulk, body);
  const path = (what) => `/api/queue/${encodeURIComponent(queue.value)}/dead/${what}`;
  const filter = () => (reason.value ? { reason: reason.value } : { all: true });
  async function everything(what) {
    if (!confirm(`${what} every dead letter of ${queue.value}${reason.value ? ` with reason ${reason.value}` : ''}?`)) return;
    await act(`${what} all`, async () => JSON.stringify(await api(path(what), filter())));
    load();
  }
  async function one(what, letter) {
    await act(`${what} ${letter.id}`, async () => JSON.stringify(await api(path(what), { id: letter.id })));
    load();
  }
  async function load() {
    if (!queue.value) return body.replaceChildren(h('p', { class: 'muted' }, 'no queue to show'));
    const letters = await api(`${path('').replace(/\/$/, '')}?${new URLSearchParams({ limit: '200', ...(reason.value ? { reason: reason.value } : {}) })}`);
    body.replaceChildren(table(['id', 'task', 'reason', 'died', 'message', 'actions'], letters.map((letter) => h('tr', { 'data-id': letter.id ?? '' },
      h('td', {}, letter.id ? h('a', { href: `#/task/${encodeURIComponent(letter.id)}/${encodeURIComponent(queue.value)}` }, h('code', {}, letter.id)) : '–'),
      h('td', {}, letter.task ?? '–'), h('td', {}, h('span', { class: 'chip bad' }, letter.reason), letter.error ? h('div', { class: 'muted' }, letter.error) : null),
      h('td', {}, time(letter.deadAt)),
      h('td', {}, h('details', {}, h('summary', {}, 'raw'), h('pre', {}, letter.raw))),
      h('td', { class: 'action' }, letter.id ? h('div', { class: 'actions' },
        h('button', { type: 'button', 'aria-label': `requeue ${letter.id}`, onclick: () => one('requeue', letter) }, 'requeue'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `drop ${letter.id}`, onclick: () => one('drop', letter) }, 'drop')) : ''))), {
      label: 'dead letters', empty: 'no dead letters here',
    }));
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  load();
  return {};
}
