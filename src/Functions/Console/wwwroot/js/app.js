// The console's shell: asks for the management key once per tab, then routes #/… to a screen.
import { h, show } from './dom.js';
import { api, keyStore, unauthorized, ApiError } from './api.js';
import { agentsScreen, agentFormScreen } from './agents.js';
import { historyScreen, callScreen, messageScreen } from './history.js';
import { liveScreen } from './live.js';

let leaveScreen = null;
let signingIn = false;
// What the page cannot know by itself (whether this run has a softphone), from the app's own configuration.
const config = fetch('config.json').then((r) => (r.ok ? r.json() : {})).catch(() => ({}));

const routes = [
  [/^#\/agents\/new$/, () => agentFormScreen(null)],
  [/^#\/agents\/([^/]+)$/, (m) => agentFormScreen(decodeURIComponent(m[1]))],
  [/^#\/agents$/, () => agentsScreen()],
  [/^#\/live(?:\/([^/]+))?$/, (m) => liveScreen(m[1] ? decodeURIComponent(m[1]) : null)],
  [/^#\/history(?:\/([^/]+))?$/, (m) => historyScreen(m[1] ? decodeURIComponent(m[1]) : null)],
  [/^#\/softphone(?:\/([^/]+))?$/, async (m) => (await import('./softphone.js')).softphoneScreen(await config, m[1] ? decodeURIComponent(m[1]) : null)],
  [/^#\/calls\/([^/]+)\/([^/]+)$/, (m) => callScreen(decodeURIComponent(m[1]), decodeURIComponent(m[2]))],
  [/^#\/messages\/([^/]+)\/([^/]+)$/, (m) => messageScreen(decodeURIComponent(m[1]), decodeURIComponent(m[2]))],
];

async function route() {
  if (leaveScreen) {
    leaveScreen();
    leaveScreen = null;
  }

  if (!keyStore.get()) {
    keyScreen();
    return;
  }

  document.getElementById('forget-key').hidden = false;
  const hash = location.hash || '#/agents';
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', hash.startsWith(`#/${a.dataset.nav}`));
  }

  const match = routes.map(([re, screen]) => [hash.match(re), screen]).find(([m]) => m);
  if (!match) {
    show(h('h1', {}, 'Not found'), h('p', {}, 'There is no such screen. ', h('a', { href: '#/agents' }, 'Go to the agents.')));
    return;
  }

  // A screen may return a function that stops what it started (a WebSocket, a timer) when the operator leaves it.
  leaveScreen = (await match[1](match[0])) ?? null;
}

function keyScreen(message) {
  document.getElementById('forget-key').hidden = true;
  const input = h('input', { id: 'key', name: 'key', type: 'password', autocomplete: 'off', required: true, minlength: 16, 'aria-describedby': 'key-help' });
  const error = h('p', { class: 'field-error', id: 'key-error', role: 'alert' }, message ?? '');
  const form = h('form', {
    class: 'card narrow',
    onsubmit: async (e) => {
      e.preventDefault();
      keyStore.set(input.value.trim());
      signingIn = true;
      try {
        await api('/api/agents');
        signingIn = false;
        route();
      } catch (err) {
        signingIn = false;
        keyStore.clear();
        error.textContent = err instanceof ApiError && err.status === 401
          ? 'That key was refused. Check it and try again.'
          : `${err.title}${err.detail ? ' ' + err.detail : ''}`;
        input.focus();
      }
    },
  },
  h('h1', {}, 'Sign in'),
  h('label', { for: 'key' }, 'Management API key'),
  input,
  h('p', { class: 'muted', id: 'key-help' }, 'Kept in this tab only (session storage) and sent as x-api-key with every request.'),
  error,
  h('button', { type: 'submit', class: 'primary' }, 'Continue'));
  show(form);
  input.focus();
}

unauthorized.addEventListener('unauthorized', () => {
  if (signingIn) return;
  keyStore.clear();
  keyScreen('The server refused the key (it may have been rotated). Enter it again.');
});

document.getElementById('forget-key').addEventListener('click', () => {
  keyStore.clear();
  route();
});

config.then((c) => { document.getElementById('nav-softphone').hidden = !c.softphoneUrl; });
window.addEventListener('hashchange', route);
route();
