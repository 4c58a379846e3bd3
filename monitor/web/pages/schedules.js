// Schedules: the beat entries stored in Redis, with their last and next run, and which beat leads.
import { h, table, time } from '../dom.js';
import { api } from '../app.js';

export function schedules(root) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'loading…'));
  root.append(h('h1', {}, 'Schedules'), body);
  api('/api/schedules').then(({ schedules: entries, leader, unreadable }) => {
    body.replaceChildren(
      h('p', { class: 'muted' }, leader ? 'a beat leads now' : 'no beat leads now: nothing is being sent'),
      table(['name', 'task', 'timing', 'queue', 'last sent', 'next slot', 'origin'], entries.map((entry) => h('tr', {},
        h('td', {}, entry.definition.name), h('td', {}, entry.definition.task), h('td', {}, entry.timing), h('td', {}, entry.definition.queue ?? 'routed'),
        h('td', {}, time(entry.state.lastSentAtMs)), h('td', {}, time(entry.nextSlotMs)), h('td', {}, entry.definition.origin))), {
        label: 'schedules', empty: 'no schedules stored (app.schedule or hardq beat add)',
      }),
      unreadable.length > 0 ? h('p', { role: 'alert' }, `unreadable entries: ${unreadable.join(', ')}`) : null);
  }).catch((error) => body.replaceChildren(h('p', { role: 'alert' }, `could not load schedules: ${error.message}`)));
  return {};
}
