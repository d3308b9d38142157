// The softphone (local runs): calls an agent through the phone simulator, which plays Twilio and the caller. Type what
// the caller says, watch the agent's tokens stream, interrupt, press keys, hang up. The protocol is the simulator's
// /sim/softphone socket (tools/PhoneSimulator/Softphone).
import { h, show, errorBox, badge } from './dom.js';
import { api, enc } from './api.js';
import { agentPicker } from './history.js';

export async function softphoneScreen(config, agentId) {
  if (!config.softphoneUrl) {
    show(h('h1', {}, 'Softphone'), h('p', { class: 'empty' }, 'The softphone is there on a local run (./dev run) only.'));
    return null;
  }

  let picker;
  try {
    picker = await agentPicker(agentId, (id) => { location.hash = `#/softphone/${enc(id)}`; });
  } catch (e) {
    show(h('h1', {}, 'Softphone'), errorBox(e));
    return null;
  }

  if (!agentId) {
    show(h('h1', {}, 'Softphone'), picker, h('p', { class: 'empty' }, 'Choose an agent to call.'));
    return null;
  }

  const agent = await api(`/api/agents/${enc(agentId)}`);
  const state = h('span', { id: 'phone-state' }, badge('idle'));
  const transcript = h('ol', { class: 'transcript', id: 'phone-transcript', 'aria-label': 'Call transcript', 'aria-live': 'polite' });
  const say = h('input', { id: 'say', name: 'say', type: 'text', autocomplete: 'off', placeholder: 'What the caller says…', disabled: true });
  const sayButton = h('button', { type: 'submit', class: 'primary', disabled: true }, 'Say');
  const interrupt = h('button', { type: 'button', id: 'interrupt', disabled: true }, 'Interrupt');
  const hangup = h('button', { type: 'button', id: 'hangup', class: 'danger', disabled: true }, 'Hang up');
  const call = h('button', { type: 'button', id: 'call', class: 'primary' }, `Call ${agent.name}`);
  const keys = [...'123456789*0#'].map((k) => h('button', { type: 'button', disabled: true, dataset: { key: k }, 'aria-label': `Key ${k}` }, k));
  const live = h('a', { href: `#/live/${enc(agentId)}` }, 'Watch in Live calls');

  let socket = null;
  let agentTurn = null;
  let ended = false;
  const controls = [say, sayButton, interrupt, hangup, ...keys];
  const setState = (text, kind) => state.replaceChildren(badge(text, kind));
  const enable = (on) => controls.forEach((c) => { c.disabled = !on; });
  const line = (who, text, cls = who) => {
    const el = h('li', { class: `turn ${cls}` }, h('span', { class: 'who' }, who), h('span', { class: 'text' }, text), h('span', { class: 'meta' }));
    transcript.append(el);
    return el;
  };
  const send = (message) => socket?.readyState === WebSocket.OPEN && socket.send(JSON.stringify(message));

  const onMessage = (m) => {
    switch (m.type) {
      case 'call': setState('ringing', 'live'); line('call', `Call ${m.sid} placed to ${agent.phoneNumber}`, 'key'); break;
      case 'connected': setState('connected', 'ok'); enable(true); say.focus(); break;
      case 'relay': onRelay(m.message); break;
      case 'interrupted':
        if (m.ok && agentTurn) {
          agentTurn.classList.remove('streaming');
          agentTurn.classList.add('interrupted');
          agentTurn.querySelector('.meta').append(badge('interrupted', 'warn'));
          agentTurn = null;
        }
        break;
      case 'error': line('error', m.message, 'handoff'); break;
      case 'ended':
        ended = true;
        setState(`ended: ${m.status}`, '');
        enable(false);
        call.disabled = false;
        line('call', `Call ended (${m.status})`, 'key');
        break;
      default: break;
    }
  };

  // ConversationRelay messages from the agent: text tokens (last ends a turn), end (hand-off or goodbye), and others.
  const onRelay = (r) => {
    if (r.type === 'text') {
      if (!agentTurn) {
        agentTurn = line('agent', '');
        agentTurn.classList.add('streaming');
      }

      agentTurn.querySelector('.text').append(r.token ?? '');
      if (r.last) {
        agentTurn.classList.remove('streaming');
        agentTurn = null;
      }
    } else if (r.type === 'end') {
      agentTurn = null;
      const handoff = r.handoffData ? JSON.parse(r.handoffData) : null;
      line('end', handoff ? `Handed off to a person (${handoff.reasonCode ?? 'hand-off'})` : 'The agent ended the call.', 'handoff');
    }
  };

  call.addEventListener('click', () => {
    transcript.replaceChildren();
    ended = false;
    call.disabled = true;
    setState('dialling', 'live');
    const query = new URLSearchParams({ agentId, to: agent.phoneNumber, from: '+15550000123' });
    socket = new WebSocket(`${config.softphoneUrl}?${query}`);
    socket.addEventListener('message', (e) => onMessage(JSON.parse(e.data)));
    socket.addEventListener('close', () => {
      enable(false);
      call.disabled = false;
      socket = null;
      if (!ended) setState('disconnected', 'warn');
    });
    socket.addEventListener('error', () => line('error', 'The phone simulator could not be reached.', 'handoff'));
  });
  hangup.addEventListener('click', () => send({ type: 'hangup' }));
  interrupt.addEventListener('click', () => send({ type: 'interrupt' }));
  for (const k of keys) {
    k.addEventListener('click', () => { send({ type: 'dtmf', digit: k.dataset.key }); line('key', `pressed ${k.dataset.key}`); });
  }

  const sayForm = h('form', {
    class: 'say',
    onsubmit: (e) => {
      e.preventDefault();
      const text = say.value.trim();
      if (!text) return;
      // Speaking over an answer ends it on screen too: its later tokens, if any, start a turn of their own.
      agentTurn?.classList.remove('streaming');
      agentTurn = null;
      line('caller', text);
      send({ type: 'say', text });
      say.value = '';
    },
  }, h('label', { for: 'say', class: 'visually-hidden' }, 'What the caller says'), say, sayButton);

  show(
    h('h1', {}, 'Softphone'), picker,
    h('div', { class: 'phone' },
      h('section', { class: 'card', 'aria-label': 'Call' },
        h('div', { class: 'title-row' }, h('h2', {}, `${agent.name} · ${agent.phoneNumber}`), state),
        transcript, sayForm,
        h('div', { class: 'actions' }, call, interrupt, hangup, live)),
      h('section', { class: 'card', 'aria-label': 'Keypad' }, h('h2', {}, 'Keypad'), h('div', { class: 'keypad' }, keys))));
  return () => send({ type: 'hangup' });
}
