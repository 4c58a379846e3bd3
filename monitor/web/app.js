// The shell: one live feed (server-sent events) shared by whichever page is open, a router
// on the URL's hash, and the API helper every page uses for reads and actions.
import { overview } from './pages/overview.js';
import { workers } from './pages/workers.js';
import { tasks } from './pages/tasks.js';
import { task } from './pages/task.js';
import { queues } from './pages/queues.js';
import { dead } from './pages/dead.js';
import { schedules } from './pages/schedules.js';

const pages = { overview, workers, tasks, task, queues, dead, schedules };

/** What the feed has said: recent samples (oldest first) and the latest tick. */
export const feed = { samples: [], latest: undefined, config: undefined };
let current;

export async function api(path, body) {
  const response = await fetch(path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const value = await response.json().catch(() => ({ error: `${response.status} ${response.statusText}` }));
  if (!response.ok) throw new Error(value.error ?? `${response.status}`);
  return value;
}

export function toast(text, bad = false) {
  const element = document.getElementById('toast');
  element.textContent = text;
  element.className = bad ? 'toast bad' : 'toast';
  element.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (element.hidden = true), 5000);
}

/** Runs an action, then says what happened; errors are shown, never swallowed. */
export async function act(what, run) {
  try {
    const result = await run();
    toast(`${what}: ${typeof result === 'string' ? result : 'done'}`);
    return result;
  } catch (error) {
    toast(`${what} failed: ${error.message}`, true);
    return undefined;
  }
}

/** A summary of control replies: who answered what, and who did not. */
export function describeReplies(result) {
  const replies = Object.values(result.replies ?? {}).map((reply) => `${reply.worker}: ${reply.ok ? JSON.stringify(reply.data) : reply.error}`);
  return [...replies, ...(result.missing ?? []).map((id) => `${id}: no reply`)].join('; ') || 'no worker online';
}

function connect() {
  const status = document.getElementById('status');
  const source = new EventSource('/api/live');
  source.addEventListener('history', (event) => {
    const data = JSON.parse(event.data);
    feed.samples = data.samples;
    if (data.latest) feed.latest = data.latest;
    current?.tick?.(feed);
  });
  source.addEventListener('tick', (event) => {
    feed.latest = JSON.parse(event.data);
    feed.samples.push(feed.latest.sample);
    if (feed.samples.length > 300) feed.samples.shift();
    status.textContent = `live · ${new Date(feed.latest.sample.atMs).toLocaleTimeString()}`;
    current?.tick?.(feed);
  });
  source.addEventListener('error', (event) => {
    status.textContent = event.data ? `Redis: ${JSON.parse(event.data).message}` : 'reconnecting…';
  });
}

function route() {
  const [name = 'overview', ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const page = pages[name] ?? pages.overview;
  for (const link of document.querySelectorAll('nav a')) {
    if (link.getAttribute('href') === `#/${name === 'task' ? 'tasks' : name}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  current?.leave?.();
  const root = document.getElementById('page');
  root.replaceChildren();
  current = page(root, rest.map(decodeURIComponent));
  if (feed.latest) current?.tick?.(feed);
}

const config = await api('/api/config');
feed.config = config;
if (config.readOnly) document.body.classList.add('read-only');
addEventListener('hashchange', route);
route();
connect();
