// Builds DOM from data without innerHTML, so nothing an API returns (a caller's words, an agent's name) is ever parsed
// as markup.

/** h('div', {class: 'x', onclick: f}, 'text', child, [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the main view's content and moves focus there, so screen readers hear the new screen. */
export function show(...children) {
  const view = document.getElementById('view');
  view.replaceChildren();
  append(view, children);
  view.focus({ preventScroll: true });
}

export function formatTime(value) {
  if (!value) return '—';
  const d = new Date(value);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function formatSeconds(s) {
  if (s === null || s === undefined) return '—';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m} min ${Math.round(s % 60)} s` : `${Math.round(s)} s`;
}

/** A problem from the API (or the network) in words, for an error box. */
export function errorBox(error) {
  return h('div', { class: 'error', role: 'alert' },
    h('strong', {}, error.title ?? 'Something went wrong.'),
    error.detail ? h('p', {}, error.detail) : null);
}

export function badge(text, kind) {
  return h('span', { class: `badge ${kind ?? ''}` }, text);
}
