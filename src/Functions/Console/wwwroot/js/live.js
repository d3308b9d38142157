// Live: the agent's calls in progress and its voice messages, fed by Web PubSub. negotiate gives a client URL whose
// token may join only this agent's group; the socket speaks json.webpubsub.azure.v1 (a "connected" system event, then
// joinGroup, then "message" events whose data is one CloudEvent or an array of them, docs/events.md).
import { h, show, errorBox, badge, formatTime } from './dom.js';
import { api, enc } from './api.js';
import { agentPicker } from './history.js';
import { LiveMessages } from './live-messages.js';

const T = 'agentos.voice.call.';

export async function liveScreen(agentId) {
  let picker;
  try {
    picker = await agentPicker(agentId, (id) => { location.hash = `#/live/${enc(id)}`; });
  } catch (e) {
    show(h('h1', {}, 'Live'), errorBox(e));
    return null;
  }

  if (!agentId) {
    show(h('h1', {}, 'Live'), picker, h('p', { class: 'empty' }, 'Choose an agent to watch its calls and messages as they happen.'));
    return null;
  }

  const connection = h('p', { class: 'status', role: 'status', id: 'live-status' }, 'Connecting…');
  const calls = h('div', { class: 'live-calls', 'aria-live': 'polite' });
  const empty = h('p', { class: 'empty' }, 'No calls in progress. New calls appear here as they start.');
  const messages = h('ul', { class: 'rows', id: 'live-messages', 'aria-label': 'Messages', 'aria-live': 'polite' });
  const noMessages = h('p', { class: 'empty' }, 'No messages yet. Messages appear here as they are sent.');
  show(h('h1', {}, 'Live'), picker, connection,
    h('div', { class: 'live-layout' },
      h('section', { 'aria-label': 'Calls in progress' }, h('h2', {}, 'Calls'), empty, calls),
      h('section', { class: 'card', 'aria-label': 'Recent messages' }, h('h2', {}, 'Messages'), noMessages, messages)));

  const callsView = new LiveCalls(agentId, calls, empty);
  const messagesView = new LiveMessages(agentId, messages, noMessages);
  try {
    const [inProgress, recent] = await Promise.all([
      api(`/api/agents/${enc(agentId)}/calls?state=InProgress&limit=20`),
      api(`/api/agents/${enc(agentId)}/messages?limit=10`),
    ]);
    for (const c of inProgress.items.reverse()) callsView.card(c.callId, c);
    for (const m of recent.items.reverse()) messagesView.known(m);
  } catch (e) {
    connection.replaceChildren(errorBox(e));
  }

  return connect(agentId, { apply: (ev) => { callsView.apply(ev); messagesView.apply(ev); } }, connection);
}

/** Opens the socket and keeps it open (reconnecting with backoff) until the returned function is called. */
export function connect(agentId, view, status, group = `agent.${agentId}`, query = `agentId=${enc(agentId)}`) {
  let socket = null;
  let stopped = false;
  let delay = 1000;
  let timer = null;

  const open = async () => {
    let url;
    try {
      ({ url } = await api(`/api/events/negotiate?${query}`));
    } catch (e) {
      status.replaceChildren(errorBox({ title: 'Live events are not available.', detail: `${e.title}${e.detail ? ' ' + e.detail : ''}` }));
      retry();
      return;
    }

    socket = new WebSocket(url, 'json.webpubsub.azure.v1');
    socket.addEventListener('message', (e) => {
      const frame = JSON.parse(e.data);
      if (frame.type === 'system' && frame.event === 'connected') {
        socket.send(JSON.stringify({ type: 'joinGroup', group, ackId: 1 }));
      } else if (frame.type === 'ack' && frame.ackId === 1) {
        if (frame.success) {
          delay = 1000;
          status.replaceChildren(badge('live', 'live'), ' Receiving events.');
        } else {
          status.replaceChildren(errorBox({ title: 'Could not join the agent\'s events.', detail: frame.error?.message }));
        }
      } else if (frame.type === 'message') {
        const events = Array.isArray(frame.data) ? frame.data : [frame.data];
        for (const ev of events) view.apply(typeof ev === 'string' ? JSON.parse(ev) : ev);
      }
    });
    socket.addEventListener('close', () => {
      if (!stopped) {
        status.replaceChildren(badge('offline', 'warn'), ' Disconnected; reconnecting…');
        retry();
      }
    });
  };

  const retry = () => {
    if (stopped) return;
    timer = setTimeout(open, delay);
    delay = Math.min(delay * 2, 30000);
  };

  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    socket?.close();
  };
}

/** A card per call; events add turns, stream tokens into the agent's turn and mark keys, tools, hand-offs and the end. */
export class LiveCalls {
  constructor(agentId, container, empty) {
    this.agentId = agentId;
    this.container = container;
    this.empty = empty;
    this.cards = new Map();
  }

  card(callId, call) {
    let card = this.cards.get(callId);
    if (card) return card;
    const state = badge('in progress', 'live');
    const transcript = h('ol', { class: 'transcript', 'aria-label': 'Transcript' });
    const title = h('h2', {}, call ? `${call.direction === 'outbound' ? 'To' : 'From'} ${call.direction === 'outbound' ? call.to : call.from}` : 'Call');
    const el = h('article', { class: 'card live-call', dataset: { callId } },
      h('div', { class: 'title-row' }, title, state),
      h('p', { class: 'muted' }, call ? `Started ${formatTime(call.startedAt)} · ` : '',
        h('a', { href: `#/calls/${enc(this.agentId)}/${enc(callId)}` }, 'Record')),
      transcript);
    card = { el, state, transcript, title, agentTurns: new Map(), answered: false, ended: false };
    this.cards.set(callId, card);
    this.container.prepend(el);
    if (this.empty) this.empty.hidden = true;
    return card;
  }

  apply(ev) {
    if (!ev?.type?.startsWith(T) || !ev.callid) return;
    const d = ev.data ?? {};
    const card = this.card(ev.callid);
    switch (ev.type.slice(T.length)) {
      case 'ringing':
        // A status callback may arrive late; ringing never replaces a later state.
        if (!card.answered && !card.ended) this.setState(card, badge('ringing', 'warn'));
        break;
      case 'answered':
        card.answered = true;
        if (!card.ended) this.setState(card, badge('in progress', 'live'));
        break;
      case 'started':
        card.answered = true;
        if (!card.ended) this.setState(card, badge('in progress', 'live'));
        card.title.textContent = `${d.direction === 'outbound' ? 'To' : 'From'} ${d.direction === 'outbound' ? d.to : d.from}`;
        break;
      case 'turn.caller':
        card.transcript.append(line('caller', d.text));
        break;
      case 'turn.agent.streaming': {
        // Pieces of a model answer carry its answer number; the transcript index comes with done.
        const turn = this.agentTurn(card, `a${d.answer}`);
        turn.text.append(d.text);
        turn.el.classList.add('streaming');
        break;
      }
      case 'turn.agent.done': {
        // Lines said without the model (greeting, keypad, hand-off) have no answer number and arrive only as done.
        const turn = this.agentTurn(card, d.answer != null ? `a${d.answer}` : `i${d.index}`);
        turn.el.classList.remove('streaming');
        if (d.interrupted) {
          turn.el.classList.add('interrupted');
          if (d.heardText != null) turn.text.textContent = d.heardText;
          turn.meta.append(badge('interrupted', 'warn'));
        } else if (d.text && !turn.text.textContent) {
          turn.text.textContent = d.text;
        }

        if (typeof d.firstTokenMs === 'number') turn.meta.append(` first token ${d.firstTokenMs.toFixed(1)} ms`);
        break;
      }
      case 'key.pressed':
        card.transcript.append(line('key', `pressed ${d.digits}`));
        break;
      case 'tool.called':
        card.transcript.append(line('tool', `${d.name}${d.failed ? ' (failed)' : ''}${typeof d.durationMs === 'number' ? ` ${Math.round(d.durationMs)} ms` : ''}`));
        break;
      case 'handoff': {
        let reason = null;
        try { reason = JSON.parse(d.data ?? 'null')?.reasonCode; } catch { /* not JSON: no reason to show */ }
        card.transcript.append(line('handoff', `handed off to a person${reason ? `: ${reason}` : ''}`));
        break;
      }
      case 'ended':
        this.setState(card, badge(`ended: ${d.reason}`, ''));
        card.ended = true;
        card.el.classList.add('ended');
        break;
      default:
        break;
    }
  }

  setState(card, state) {
    card.state.replaceWith(state);
    card.state = state;
  }

  agentTurn(card, key) {
    let turn = card.agentTurns.get(key);
    if (!turn) {
      const text = h('span', { class: 'text' });
      const meta = h('span', { class: 'meta' });
      const el = h('li', { class: 'turn agent' }, h('span', { class: 'who' }, 'agent'), text, meta);
      turn = { el, text, meta };
      card.agentTurns.set(key, turn);
      card.transcript.append(el);
    }

    return turn;
  }
}

function line(kind, text) {
  return h('li', { class: `turn ${kind}` }, h('span', { class: 'who' }, kind), h('span', { class: 'text' }, text), h('span', { class: 'meta' }));
}
