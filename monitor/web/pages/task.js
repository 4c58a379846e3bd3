// One task: its state and result (or traceback), where it runs, its dead letter, and the
// actions: revoke (and terminate), and retry for a dead-lettered task (as `hardq dead requeue`).
import { h, time, ago } from '../dom.js';
import { api, act, describeReplies } from '../app.js';

function describe(info) {
  const result = info.result;
  const rows = [['state', h('span', { class: `chip ${info.state === 'SUCCESS' ? 'good' : info.state === 'FAILURE' || info.state === 'REVOKED' ? 'bad' : ''}`, id: 'task-state' }, info.state)],
    ['queue', info.queue ?? 'not found in any shown queue'], ['revoked', info.revoked ? 'yes (workers skip it)' : 'no']];
  if (info.worker) rows.push(['worker', `${info.worker.id} (${info.worker.as})`], ['args', h('code', {}, info.worker.summary.args ?? '')], ['started', time(info.worker.summary.startedAt)]);
  if (result?.doneAt) rows.push(['finished', time(result.doneAt)]);
  if (result?.state === 'RETRY') rows.push(['retries', String(result.retries)], ['next try', time(result.eta)]);
  if (info.resultTtlMs > 0) rows.push(['result expires in', ago(info.resultTtlMs)]);
  return h('dl', {}, rows.flatMap(([term, value]) => [h('dt', { class: 'muted' }, term), h('dd', {}, value)]));
}

const taskLink = (id, queue, label) => h('a', { href: `#/task/${encodeURIComponent(id)}${queue ? `/${encodeURIComponent(queue)}` : ''}`, 'data-link': label }, h('code', {}, id));

/** Its place in a canvas (admin/canvas-info.ts): role, parent, next step, chord progress and body. */
function canvasPlace(info) {
  const c = info.canvas;
  const rows = [['role', h('span', { id: 'canvas-role' }, c.role === 'header' ? `chord header task${c.chordIndex !== undefined ? ` ${c.chordIndex + 1}` : ''}` : c.role === 'body' ? 'chord body' : 'chain step')]];
  // The parent of a body is its chord, not a task; the queue of a parent step is not recorded, so its page asks every queue.
  if (c.parentId && c.role !== 'body') rows.push(['parent', taskLink(c.parentId, undefined, 'parent')]);
  if (c.nextId) rows.push(['next step', taskLink(c.nextId, undefined, 'next')]);
  if (c.chordId) {
    rows.push(['chord', h('code', {}, c.chordId)]);
    const progress = c.chordDone === undefined ? 'unknown (the chord’s record expired)'
      : `${c.chordDone} of ${c.chordTotal ?? '?'} done${c.chordFailures ? `, ${c.chordFailures} failed` : ''}${c.chordFired ? '; body sent' : ''}`;
    rows.push(['chord progress', h('span', { id: 'chord-progress' }, progress)]);
    if (c.bodyId) rows.push(['chord body', taskLink(c.bodyId, c.chordQueue, 'body')]);
  }
  return h('dl', {}, rows.flatMap(([term, value]) => [h('dt', { class: 'muted' }, term), h('dd', {}, value)]));
}

/** sent → received → started → ended, from the task's events in its queue's stream. */
function timeline(info) {
  if (info.events.length === 0) return h('p', { class: 'muted' }, info.eventsNote ?? 'no events');
  return h('ol', { class: 'timeline' }, info.events.map((record) => h('li', {},
    h('strong', {}, record.type.replace(/^task-/, '')), ` ${time(record.event.at)}`,
    record.event.worker ? ` on ${record.event.worker}` : '', record.event.runtimeMs !== undefined ? `, ran ${record.event.runtimeMs} ms` : '',
    record.event.retries ? `, retry ${record.event.retries}` : '', record.event.error ? h('div', { class: 'muted' }, record.event.error) : '',
    record.event.args && record.type === 'task-received' ? h('div', {}, h('code', {}, record.event.args)) : '')));
}

export function task(root, [id, queue]) {
  const body = h('div', {}, h('p', { class: 'muted' }, 'loading…'));
  root.append(h('h1', {}, 'Task ', h('code', {}, id)), body);
  async function load() {
    const info = await api(`/api/task/info/${encodeURIComponent(id)}${queue ? `?queue=${encodeURIComponent(queue)}` : ''}`);
    const q = info.queue ?? queue;
    const terminate = h('input', { type: 'checkbox', name: 'terminate', id: 'terminate' });
    const actions = h('div', { class: 'actions action' },
      h('button', { type: 'button', class: 'danger', onclick: async () => {
        await act('revoke', async () => {
          const result = await api(`/api/task/revoke/${encodeURIComponent(id)}`, { queue: q, terminate: terminate.checked });
          return `${result.revoked ? 'revoked' : 'already finished'}${result.terminate ? `; ${describeReplies(result.terminate)}` : ''}`;
        });
        load();
      } }, 'revoke'),
      h('label', { class: 'check', for: 'terminate' }, terminate, 'terminate if running'),
      info.deadLetter ? h('button', { type: 'button', onclick: async () => {
        await act('retry', async () => `${(await api(`/api/queue/${encodeURIComponent(q)}/dead/requeue`, { id })).requeued} requeued`);
        load();
      } }, 'retry (requeue the dead letter)') : null);
    body.replaceChildren(
      h('div', { class: 'grid' },
        h('section', { class: 'panel' }, h('h2', {}, 'State'), describe(info), actions),
        info.result?.state === 'SUCCESS' ? h('section', { class: 'panel' }, h('h2', {}, 'Result'), h('pre', {}, JSON.stringify(info.result.value, null, 2))) : null,
        info.result?.error ? h('section', { class: 'panel' }, h('h2', {}, 'Error'), h('pre', {}, info.result.error.stack ?? `${info.result.error.name}: ${info.result.error.message}`)) : null,
        info.canvas ? h('section', { class: 'panel', 'aria-label': 'canvas' }, h('h2', {}, 'Canvas'), canvasPlace(info)) : null,
        info.deadLetter ? h('section', { class: 'panel' }, h('h2', {}, `Dead letter: ${info.deadLetter.reason}`), h('p', {}, info.deadLetter.error ?? ''), h('pre', {}, info.deadLetter.raw)) : null,
        h('section', { class: 'panel' }, h('h2', {}, 'Timeline'), timeline(info))));
  }
  load().catch((error) => body.replaceChildren(h('p', { role: 'alert' }, `could not load the task: ${error.message}`)));
  return {};
}
