// Live messages: an agent's voice messages as their message.* events arrive (docs/events.md), newest first. Each row
// is updated in place: its latest state as a badge and every step it went through (queued, rendered, calling,
// answered by whom, recorded, completed or failed, outcome) in order.
import { h, badge, formatTime } from './dom.js';
import { enc } from './api.js';
import { stateKind } from './history.js';

const T = 'agentos.voice.message.';
// In these states a message is done; a late answered or recorded (an answering-machine verdict, a recording's
// callback) then joins the steps without taking the badge back. A failed message may still complete (docs/events.md).
const finalStates = new Set(['completed', 'failed', 'busy', 'no-answer', 'canceled']);

export class LiveMessages {
  constructor(agentId, list, empty) {
    this.agentId = agentId;
    this.list = list;
    this.empty = empty;
    this.rows = new Map();
    // A retried send may deliver a batch twice; event ids tell the copies apart.
    this.seen = new Set();
  }

  /** The message's row, made (at the top) the first time it is seen, from the list endpoint or an event. */
  row(messageId, to) {
    let row = this.rows.get(messageId);
    if (!row) {
      const link = h('a', { href: `#/messages/${enc(this.agentId)}/${enc(messageId)}` }, 'Message');
      const when = h('span', { class: 'muted' });
      const state = badge('…', '');
      const steps = h('ol', { class: 'steps', 'aria-label': 'States' });
      const el = h('li', { class: 'row live-message', dataset: { messageId } }, link, when, state, steps);
      row = { el, link, when, state, steps, to: null, done: false };
      this.rows.set(messageId, row);
      this.list.prepend(el);
      if (this.empty) this.empty.hidden = true;
    }

    if (to && !row.to) {
      row.to = to;
      row.link.textContent = `To ${to}`;
    }

    return row;
  }

  /** A message as the list endpoint gave it, before any of its events. */
  known(m) {
    this.setState(this.row(m.id, m.to), m.state, m.state, m.state, m.createdAt);
  }

  apply(ev) {
    if (!ev?.type?.startsWith(T) || !ev.messageid || this.seen.has(ev.id)) return;
    this.seen.add(ev.id);
    const step = ev.type.slice(T.length);
    const d = ev.data ?? {};
    const row = this.row(ev.messageid, d.to);
    if (step === 'outcome') {
      // Its data is the outcome (docs/outcomes.md), not a state.
      row.steps.append(h('li', { title: d.summary ?? '' }, 'outcome'));
      return;
    }

    let label = step;
    if (step === 'answered' && d.answeredBy) label = `answered: ${d.answeredBy}`;
    if (step === 'failed' && d.state && d.state !== 'failed') label = `failed: ${d.state}`;
    row.steps.append(h('li', { title: d.error ?? '' }, label));
    const state = d.state ?? step;
    if (!row.done || finalStates.has(state)) this.setState(row, step, label, state, ev.time);
  }

  /** The badge shows <label>; data-state is the step (an event's name, or the listed state) for scripts and tests. */
  setState(row, step, label, state, at) {
    row.state.replaceWith(row.state = badge(label, stateKind(state)));
    row.el.dataset.state = step;
    row.when.textContent = formatTime(at);
    row.done = finalStates.has(state);
  }
}
