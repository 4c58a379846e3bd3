// Building the pages without innerHTML: every value from Redis becomes text, never markup.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== undefined && child !== null && child !== false) element.append(child instanceof Node ? child : String(child));
  return element;
}

export function table(headers, rows, options = {}) {
  return h('div', { class: 'table-wrap' }, h('table', { 'aria-label': options.label },
    h('thead', {}, h('tr', {}, headers.map((header) => h('th', { scope: 'col', class: options.numeric?.includes(header) ? 'num' : undefined }, header)))),
    h('tbody', {}, rows.length === 0 ? h('tr', {}, h('td', { colspan: headers.length, class: 'muted' }, options.empty ?? 'nothing here')) : rows)));
}

export const number = (value, digits = 0) => (value === undefined || value === null || Number.isNaN(value) ? '–' : Number(value).toLocaleString(undefined, { maximumFractionDigits: digits }));

export function ago(ms) {
  if (ms === undefined || ms === null) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export const time = (epochMs) => (epochMs === undefined || epochMs === null ? '–' : new Date(epochMs).toLocaleString());

export function card(label, value, id) {
  return h('div', { class: 'card' }, h('div', { class: 'value', id }, value), h('div', { class: 'label' }, label));
}

