// History: an agent's calls and messages from the list endpoints (newest first, filtered, "Load more" follows the
// continuation token), a call with its whole transcript, a message with its state history and audio.
import { h, show, errorBox, badge, formatTime, formatSeconds } from './dom.js';
import { api, enc } from './api.js';

const callStates = ['', 'InProgress', 'Ended'];
const messageStates = ['', 'queued', 'rendering', 'calling', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled'];

export async function agentPicker(selected, onPick) {
  const agents = await api('/api/agents');
  agents.sort((a, b) => a.name.localeCompare(b.name));
  const select = h('select', { id: 'agent', name: 'agent', onchange: () => onPick(select.value) },
    h('option', { value: '' }, 'Choose an agent…'),
    agents.map((a) => h('option', { value: a.id, selected: a.id === selected }, `${a.name} (${a.id})`)));
  return h('div', { class: 'field inline' }, h('label', { for: 'agent' }, 'Agent'), select);
}

export async function historyScreen(agentId) {
  let picker;
  try {
    picker = await agentPicker(agentId, (id) => { location.hash = `#/history/${enc(id)}`; });
  } catch (e) {
    show(h('h1', {}, 'History'), errorBox(e));
    return;
  }

  if (!agentId) {
    show(h('h1', {}, 'History'), picker, h('p', { class: 'empty' }, 'Choose an agent to see its calls and messages.'));
    return;
  }

  show(h('h1', {}, 'History'), picker,
    h('div', { class: 'columns' },
      listPanel({
        title: 'Calls', agentId, kind: 'calls', states: callStates,
        row: (c) => h('li', { class: 'row', dataset: { callId: c.callId } },
          h('a', { href: `#/calls/${enc(agentId)}/${enc(c.callId)}` }, `${c.direction === 'outbound' ? 'To' : 'From'} ${c.direction === 'outbound' ? c.to : c.from}`),
          h('span', { class: 'muted' }, formatTime(c.startedAt)),
          c.state === 'InProgress' ? badge('in progress', 'live') : badge(c.endReason ?? 'ended', c.endReason === 'error' ? 'bad' : ''),
          h('span', { class: 'muted' }, formatSeconds(c.durationSeconds))),
      }),
      listPanel({
        title: 'Messages', agentId, kind: 'messages', states: messageStates,
        row: (m) => h('li', { class: 'row', dataset: { messageId: m.id } },
          h('a', { href: `#/messages/${enc(agentId)}/${enc(m.id)}` }, `To ${m.to}`),
          h('span', { class: 'muted' }, formatTime(m.createdAt)),
          badge(m.state, stateKind(m.state)),
          h('span', { class: 'clip' }, m.text)),
      })));
}

export function stateKind(state) {
  return { completed: 'ok', failed: 'bad', busy: 'warn', 'no-answer': 'warn', canceled: 'warn', 'in-progress': 'live' }[state] ?? '';
}

/** One list with its filters; "Load more" appends the next page until the token is null. */
function listPanel({ title, agentId, kind, states, row }) {
  const id = (n) => `${kind}-${n}`;
  const list = h('ul', { class: 'rows', 'aria-label': title });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const status = h('p', { class: 'status', role: 'status' });
  const state = h('select', { id: id('state'), name: 'state' }, states.map((s) => h('option', { value: s }, s || 'any')));
  const from = h('input', { id: id('from'), name: 'from', type: 'datetime-local' });
  const to = h('input', { id: id('to'), name: 'to', type: 'datetime-local' });
  let token = null;

  const load = async (append) => {
    const query = new URLSearchParams({ limit: '20' });
    if (state.value) query.set('state', state.value);
    if (from.value) query.set('from', new Date(from.value).toISOString());
    if (to.value) query.set('to', new Date(to.value).toISOString());
    if (append && token) query.set('continuationToken', token);
    status.replaceChildren('Loading…');
    try {
      const page = await api(`/api/agents/${enc(agentId)}/${kind}?${query}`);
      if (!append) list.replaceChildren();
      list.append(...page.items.map(row));
      token = page.continuationToken;
      more.hidden = !token;
      status.replaceChildren(list.children.length === 0 ? `No ${kind} match.` : '');
    } catch (e) {
      status.replaceChildren(errorBox(e));
    }
  };

  more.addEventListener('click', () => load(true));
  const filters = h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); load(false); } },
    h('div', { class: 'field' }, h('label', { for: id('state') }, 'State'), state),
    h('div', { class: 'field' }, h('label', { for: id('from') }, 'From'), from),
    h('div', { class: 'field' }, h('label', { for: id('to') }, 'To'), to),
    h('button', { type: 'submit' }, 'Filter'));
  load(false);
  return h('section', { class: 'card', 'aria-label': title }, h('h2', {}, title), filters, list, status, more);
}

export async function callScreen(agentId, callId) {
  show(h('h1', {}, 'Call'), h('p', { class: 'muted' }, 'Loading…'));
  let call;
  try {
    call = await api(`/api/agents/${enc(agentId)}/calls/${enc(callId)}`);
  } catch (e) {
    show(h('h1', {}, 'Call'), errorBox(e));
    return;
  }

  show(
    h('p', {}, h('a', { href: `#/history/${enc(agentId)}` }, '← History')),
    h('h1', {}, `Call ${call.direction === 'outbound' ? 'to ' + call.to : 'from ' + call.from}`),
    h('dl', { class: 'facts card' },
      h('dt', {}, 'State'), h('dd', {}, call.state === 'InProgress' ? badge('in progress', 'live') : badge('ended')),
      h('dt', {}, 'Started'), h('dd', {}, formatTime(call.startedAt)),
      h('dt', {}, 'Ended'), h('dd', {}, formatTime(call.endedAt)),
      h('dt', {}, 'Duration'), h('dd', {}, formatSeconds(call.durationSeconds)),
      h('dt', {}, 'End reason'), h('dd', {}, call.endReason ?? '—'),
      call.handoffData ? [h('dt', {}, 'Hand-off'), h('dd', {}, h('code', {}, call.handoffData))] : null,
      call.lastError ? [h('dt', {}, 'Last error'), h('dd', { class: 'bad' }, call.lastError)] : null,
      h('dt', {}, 'Tokens'), h('dd', {}, `${call.tokensIn} in, ${call.tokensOut} out`),
      h('dt', {}, 'Call SID'), h('dd', {}, h('code', {}, call.callSid || '—')),
      h('dt', {}, 'Call id'), h('dd', {}, h('code', {}, call.callId))),
    h('h2', {}, 'Transcript'),
    call.transcript.length === 0
      ? h('p', { class: 'empty' }, 'Nothing was said.')
      : h('ol', { class: 'transcript', 'aria-label': 'Transcript' }, call.transcript.map(turnView)));
}

export function turnView(t) {
  const role = t.role.toLowerCase();
  return h('li', { class: `turn ${role}${t.interrupted ? ' interrupted' : ''}` },
    h('span', { class: 'who' }, role === 'tool' ? `tool ${t.toolName ?? ''}` : role),
    h('span', { class: 'text' }, t.text),
    h('span', { class: 'meta' },
      t.interrupted ? badge('interrupted', 'warn') : null,
      typeof t.firstTokenMs === 'number' ? `first token ${t.firstTokenMs.toFixed(1)} ms` : null));
}

export async function messageScreen(agentId, messageId) {
  show(h('h1', {}, 'Message'), h('p', { class: 'muted' }, 'Loading…'));
  let m;
  try {
    m = await api(`/api/agents/${enc(agentId)}/messages/${enc(messageId)}`);
  } catch (e) {
    show(h('h1', {}, 'Message'), errorBox(e));
    return;
  }

  const stop = [];
  // <audio src> cannot send the key, so the bytes are fetched and played from a blob URL.
  const player = (what, label) => {
    const box = h('div', { class: 'audio' });
    const load = h('button', { type: 'button' }, `Load ${label}`);
    load.addEventListener('click', async () => {
      load.disabled = true;
      try {
        const response = await api(`/api/agents/${enc(agentId)}/messages/${enc(messageId)}/${what}`, { raw: true });
        const url = URL.createObjectURL(await response.blob());
        stop.push(() => URL.revokeObjectURL(url));
        box.replaceChildren(h('audio', { controls: true, src: url, 'aria-label': label }));
      } catch (e) {
        box.replaceChildren(errorBox(e));
      }
    });
    box.append(load);
    return box;
  };
  const audio = ['queued', 'rendering'].includes(m.state) && !m.callSid
    ? h('p', { class: 'muted' }, 'Not rendered yet.')
    : player('audio', 'rendered message');

  show(
    h('p', {}, h('a', { href: `#/history/${enc(agentId)}` }, '← History')),
    h('h1', {}, `Message to ${m.to}`),
    h('dl', { class: 'facts card' },
      h('dt', {}, 'State'), h('dd', {}, badge(m.state, stateKind(m.state))),
      h('dt', {}, 'Text'), h('dd', {}, m.text),
      h('dt', {}, 'Created'), h('dd', {}, formatTime(m.createdAt)),
      m.sendAt ? [h('dt', {}, 'Send at'), h('dd', {}, formatTime(m.sendAt))] : null,
      h('dt', {}, 'Attempts'), h('dd', {}, String(m.attempts)),
      h('dt', {}, 'Answered by'), h('dd', {}, m.answeredBy ?? '—'),
      h('dt', {}, 'Call duration'), h('dd', {}, formatSeconds(m.callDurationSeconds)),
      m.error ? [h('dt', {}, 'Error'), h('dd', { class: 'bad' }, `${m.error.code}: ${m.error.message}`)] : null,
      m.recordingUrl ? [h('dt', {}, 'Recording'), h('dd', {}, `${formatSeconds(m.recordingDurationSeconds)} at Twilio (${m.recordingSid})`)] : null,
      h('dt', {}, 'Message id'), h('dd', {}, h('code', {}, m.id))),
    h('h2', {}, 'Audio'), audio,
    m.recordingUrl ? [h('h2', {}, 'Recording'), player('recording', 'recorded answer')] : null,
    h('h2', {}, 'State history'),
    h('table', { class: 'history' },
      h('thead', {}, h('tr', {}, h('th', {}, 'When'), h('th', {}, 'State'), h('th', {}, 'Detail'))),
      h('tbody', {}, m.history.map((e) => h('tr', {}, h('td', {}, formatTime(e.at)), h('td', {}, badge(e.state, stateKind(e.state))), h('td', {}, e.detail ?? ''))))));
  return () => stop.forEach((f) => f());
}
