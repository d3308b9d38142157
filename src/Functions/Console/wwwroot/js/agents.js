// Agents: the list, and one form for create and edit. The API names each bad field in its 400 (e.g. "phoneNumber",
// "dtmfMenu.5.kind"); each message is shown under the form field it belongs to, the rest above the buttons.
import { h, show, errorBox, badge, formatTime } from './dom.js';
import { api, enc, ApiError } from './api.js';

export async function agentsScreen() {
  show(h('h1', {}, 'Agents'), h('p', { class: 'muted' }, 'Loading…'));
  let agents;
  try {
    agents = await api('/api/agents');
  } catch (e) {
    show(h('h1', {}, 'Agents'), errorBox(e));
    return;
  }

  agents.sort((a, b) => a.name.localeCompare(b.name));
  show(
    h('div', { class: 'title-row' }, h('h1', {}, 'Agents'), h('a', { class: 'button primary', href: '#/agents/new' }, 'New agent')),
    agents.length === 0
      ? h('p', { class: 'empty' }, 'No agents yet. Create one to give it a phone number and a voice.')
      : h('ul', { class: 'cards', 'aria-label': 'Agents' }, agents.map((a) => h('li', { class: 'card agent', dataset: { agentId: a.id } },
        h('div', { class: 'title-row' },
          h('h2', {}, h('a', { href: `#/agents/${enc(a.id)}` }, a.name)),
          a.enabled ? badge('enabled', 'ok') : badge('disabled', 'warn')),
        h('dl', { class: 'facts' },
          h('dt', {}, 'Id'), h('dd', {}, h('code', {}, a.id)),
          h('dt', {}, 'Number'), h('dd', {}, a.phoneNumber),
          h('dt', {}, 'Model'), h('dd', {}, `${a.llm?.provider ?? '—'} / ${a.llm?.model ?? '—'}`),
          h('dt', {}, 'Updated'), h('dd', {}, formatTime(a.updatedAt))),
        h('div', { class: 'actions' },
          h('a', { href: `#/agents/${enc(a.id)}` }, 'Edit'),
          h('a', { href: `#/live/${enc(a.id)}` }, 'Live calls'),
          h('a', { href: `#/history/${enc(a.id)}` }, 'History'))))));
}

// The fields the form edits; everything else in the record (tools, outcome schema, …) is kept as it was on save.
const fields = [
  { name: 'id', label: 'Id', help: 'Letters, digits, - and _; part of every URL. Cannot change later.', createOnly: true },
  { name: 'name', label: 'Name' },
  { name: 'phoneNumber', label: 'Phone number', help: 'E.164, e.g. +14155550100.' },
  { name: 'language', label: 'Language', help: 'e.g. en-US.' },
  { name: 'voice', label: 'Voice', help: 'Empty: the default voice.', empty: 'omit' },
  { name: 'greeting', label: 'Greeting', multiline: true, help: 'Said when the call connects. {name} takes a value from an outbound call\'s context.' },
  { name: 'systemPrompt', label: 'System prompt', multiline: true },
  { name: 'llm.provider', label: 'Model provider', options: ['scripted', 'openai', 'azure-openai', 'anthropic'] },
  { name: 'llm.model', label: 'Model' },
  { name: 'transferNumber', label: 'Transfer number', help: 'Where a hand-off goes (E.164). Empty: no hand-off.', empty: 'null' },
  { name: 'recording', label: 'Recording', options: ['Never', 'OnRequest', 'Always'] },
  { name: 'enabled', label: 'Enabled', checkbox: true },
  { name: 'dtmfMenu', label: 'Keypad menu (JSON)', json: true, help: 'Key → {"kind": "Handoff" | "Say" | "End", "text": …}.' },
  { name: 'script', label: 'Script (JSON, scripted model)', json: true, help: 'Rules: [{"whenCallerSays": "hours", "reply": "…", "tool": "handoff"}]; null matches anything.' },
];

const blank = {
  id: '', name: '', phoneNumber: '', language: 'en-US', voice: '', greeting: 'Hello! How can I help you today?',
  systemPrompt: 'You are a helpful, concise voice assistant. Answer in one or two short sentences.',
  llm: { provider: 'scripted', model: 'scripted' }, transferNumber: '', recording: 'OnRequest', enabled: true,
  dtmfMenu: { 0: { kind: 'Handoff' } },
  script: [
    { whenCallerSays: 'person', reply: 'Of course, connecting you to a person now.', tool: 'handoff' },
    { whenCallerSays: 'bye', reply: 'Thanks for calling. Goodbye!', tool: 'end_call' },
    { whenCallerSays: null, reply: 'Thanks for calling. How can I help?' },
  ],
};

const get = (o, path) => path.split('.').reduce((v, k) => v?.[k], o);
function set(o, path, value) {
  const keys = path.split('.');
  const last = keys.pop();
  const target = keys.reduce((v, k) => (v[k] ??= {}), o);
  target[last] = value;
}

export async function agentFormScreen(agentId) {
  const creating = agentId === null;
  let agent = structuredClone(blank);
  if (!creating) {
    show(h('h1', {}, 'Edit agent'), h('p', { class: 'muted' }, 'Loading…'));
    try {
      agent = await api(`/api/agents/${enc(agentId)}`);
    } catch (e) {
      show(h('h1', {}, 'Edit agent'), errorBox(e));
      return;
    }
  }

  const inputs = new Map();
  const errorSlots = new Map();
  const general = h('div', { class: 'form-errors', role: 'alert' });
  const status = h('p', { class: 'status', role: 'status' });

  const rows = fields.filter((f) => creating || !f.createOnly).map((f) => {
    const id = `f-${f.name.replace('.', '-')}`;
    const value = get(agent, f.name);
    let input;
    if (f.options) {
      input = h('select', { id, name: f.name }, f.options.map((o) => h('option', { value: o, selected: o === value }, o)));
    } else if (f.checkbox) {
      input = h('input', { id, name: f.name, type: 'checkbox', checked: !!value });
    } else if (f.multiline || f.json) {
      input = h('textarea', { id, name: f.name, rows: f.json ? 6 : 3, spellcheck: f.json ? 'false' : 'true', class: f.json ? 'mono' : '' });
      input.value = f.json ? JSON.stringify(value ?? null, null, 2) : value ?? '';
    } else {
      input = h('input', { id, name: f.name, type: 'text', autocomplete: 'off' });
      input.value = value ?? '';
    }

    const error = h('p', { class: 'field-error', id: `${id}-error` });
    input.setAttribute('aria-describedby', `${id}-error${f.help ? ` ${id}-help` : ''}`);
    inputs.set(f.name, [f, input]);
    errorSlots.set(f.name, [error, input]);
    return h('div', { class: `field${f.checkbox ? ' inline' : ''}` },
      h('label', { for: id }, f.label), input, f.help ? h('p', { class: 'help', id: `${id}-help` }, f.help) : null, error);
  });

  const showErrors = (errors) => {
    for (const [error, input] of errorSlots.values()) {
      error.textContent = '';
      input.removeAttribute('aria-invalid');
    }

    general.replaceChildren();
    let first = null;
    for (const [key, messages] of Object.entries(errors)) {
      // "llm.model" and "dtmfMenu.5.kind" belong to the field named by their longest known prefix.
      const name = [...errorSlots.keys()].filter((n) => key === n || key.startsWith(`${n}.`) || key.startsWith(`${n}[`))
        .sort((a, b) => b.length - a.length)[0];
      const text = `${name && name !== key ? `${key}: ` : ''}${messages.join(' ')}`;
      if (name) {
        const [error, input] = errorSlots.get(name);
        error.textContent = error.textContent ? `${error.textContent} ${text}` : text;
        input.setAttribute('aria-invalid', 'true');
        first ??= input;
      } else {
        general.append(h('p', {}, `${key === '$' ? '' : `${key}: `}${text}`));
      }
    }

    (first ?? general).focus?.();
  };

  const form = h('form', {
    class: 'card form', novalidate: true,
    onsubmit: async (e) => {
      e.preventDefault();
      const body = structuredClone(agent);
      const local = {};
      for (const [name, [f, input]] of inputs) {
        if (f.checkbox) set(body, name, input.checked);
        else if (f.json) {
          try { set(body, name, JSON.parse(input.value || 'null')); } catch (err) { local[name] = [`Not valid JSON: ${err.message}`]; }
        } else if (input.value.trim() === '' && f.empty) {
          if (f.empty === 'null') set(body, name, null); else delete body[name];
        } else set(body, name, input.value);
      }

      // Fields the server makes or keeps; sending them back would be refused or ignored.
      for (const name of ['createdAt', 'updatedAt', 'webhookSecret']) delete body[name];
      if (Object.keys(local).length > 0) {
        showErrors(local);
        return;
      }

      status.textContent = 'Saving…';
      try {
        const saved = creating
          ? await api('/api/agents', { method: 'POST', body })
          : await api(`/api/agents/${enc(agentId)}`, { method: 'PUT', body });
        showErrors({});
        status.textContent = `Saved ${saved.name}.`;
        if (creating) location.hash = `#/agents/${enc(saved.id)}`;
        else agent = saved;
      } catch (err) {
        status.textContent = '';
        if (err instanceof ApiError && Object.keys(err.errors).length > 0) showErrors(err.errors);
        else showErrors({ $: [`${err.title}${err.detail ? ` ${err.detail}` : ''}`] });
      }
    },
  },
  rows,
  general,
  h('div', { class: 'actions' },
    h('button', { type: 'submit', class: 'primary' }, creating ? 'Create agent' : 'Save changes'),
    h('a', { href: '#/agents' }, 'Back to agents'),
    status));
  general.tabIndex = -1;

  show(h('h1', {}, creating ? 'New agent' : `Edit ${agent.name}`), form);
}
