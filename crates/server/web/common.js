// Shared by the pages: the login gate (a token typed once, kept in this tab's sessionStorage),
// API calls, and server-sent events read through fetch. EventSource cannot send an Authorization
// header, and a token in a URL would end up in proxy logs and browser history.

import { t, loadLanguage, languageSwitch, fmtTime } from '/assets/i18n.js';

export { t, fmtTime };

const KEY = 'rollcall.token';
// Set once the login succeeded: a 401 after that means the token was revoked meanwhile.
let signedIn = false;

export class ApiError extends Error {
  constructor(status, code, message, detail) {
    super(message);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** Builds an element; strings become text nodes, never HTML (names come from the database). */
export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function authHeaders() {
  return { Authorization: `Bearer ${sessionStorage.getItem(KEY) || ''}` };
}

function unauthorized() {
  // The token was revoked while the page was open: back to the login form, nothing kept on screen.
  sessionStorage.removeItem(KEY);
  location.reload();
}

/** JSON API call; throws ApiError with the server's code and message. */
export async function api(method, path, body) {
  const headers = authHeaders();
  let payload = body;
  if (body !== undefined && !(body instanceof Blob) && !(body instanceof FormData)) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, body: payload, cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'offline', t('error-offline'));
  }
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    const err = (data && data.error) || {};
    if (res.status === 401 && signedIn) unauthorized();
    throw new ApiError(res.status, err.code || 'error', err.message || `HTTP ${res.status}`, err.detail);
  }
  return data;
}

/** Saves what `path` serves as a file, byte for byte (a signed document must stay as signed). */
export async function download(path, name) {
  const res = await fetch(`/api/v1${path}`, { headers: authHeaders(), cache: 'no-store' });
  if (!res.ok) throw new ApiError(res.status, 'error', `HTTP ${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** A sitting's quorum rule as message arguments (`rule`, `fraction`, `basis`), the same on every
 *  page that states it. */
export function quorumArgs(s) {
  return {
    rule: s.quorum_rule,
    fraction: `${s.quorum_numerator}/${s.quorum_denominator}`,
    basis: s.quorum_basis || 'checked_in',
  };
}

/** What the server said, in the page's language where the catalogue knows the code, else as the
 *  server put it (in English). */
export function errorText(e) {
  if (!(e instanceof ApiError)) return String(e);
  return t('api-error', { code: e.code, message: e.message });
}

/**
 * Loads the page's language, then shows the login form until a token with one of `roles` is
 * given, and calls `start(session)`. `intro` is the login form's message id. `session` is the
 * answer of GET /api/v1/session: {role, kiosk: {fps, frame_width}, direction}.
 */
export async function startPage({ roles, intro, start }) {
  await loadLanguage();
  const login = $('#login');
  const app = $('#app');
  login.replaceChildren(
    h('form', { id: 'login-form', class: 'login-card', autocomplete: 'off' },
      h('div', { class: 'login-head' }, h('h1', {}, 'rollcall'), languageSwitch()),
      h('p', {}, t(intro)),
      h('label', { for: 'token' }, t('login-token')),
      h('input', { id: 'token', type: 'password', spellcheck: 'false', autocomplete: 'off' }),
      h('button', { type: 'submit' }, t('login-submit')),
      h('p', { id: 'login-message', class: 'error', role: 'alert' })));
  for (const slot of document.querySelectorAll('.lang-slot')) slot.replaceChildren(languageSwitch());
  const message = $('#login-message');
  const show = (text) => {
    app.hidden = true;
    login.hidden = false;
    message.textContent = text;
    $('#token').focus();
  };
  const attempt = async (token) => {
    sessionStorage.setItem(KEY, token);
    let session;
    try {
      session = await api('GET', '/session');
    } catch (e) {
      sessionStorage.removeItem(KEY);
      show(e.status === 401 ? t('login-invalid') : errorText(e));
      return;
    }
    if (!roles.includes(session.role)) {
      sessionStorage.removeItem(KEY);
      show(t('login-wrong-role', { role: t('role-name', { role: session.role }) }));
      return;
    }
    signedIn = true;
    login.hidden = true;
    app.hidden = false;
    for (const e of document.querySelectorAll('.who')) e.textContent = t('role-name', { role: session.role });
    start(session);
  };
  $('#login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const t = $('#token').value.trim();
    $('#token').value = '';
    if (t) attempt(t);
    else show(t('login-empty'));
  });
  for (const b of document.querySelectorAll('.logout')) {
    b.addEventListener('click', () => {
      sessionStorage.removeItem(KEY);
      location.reload();
    });
  }
  const saved = sessionStorage.getItem(KEY);
  if (saved) attempt(saved);
  else show('');
}

/**
 * Follows a server-sent event stream, reconnecting with backoff after a drop (and after 40 s of
 * silence: the server sends a keep-alive every 15 s, so silence means a dead connection).
 * Returns a function that stops it.
 */
export function subscribe(path, onEvent, onState) {
  let stopped = false;
  let controller = null;
  (async () => {
    let delay = 1000;
    while (!stopped) {
      controller = new AbortController();
      let watchdog = null;
      const arm = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), 40000);
      };
      try {
        arm();
        const res = await fetch(`/api/v1${path}`, {
          headers: { ...authHeaders(), Accept: 'text/event-stream' },
          cache: 'no-store',
          signal: controller.signal,
        });
        if (res.status === 401) {
          unauthorized();
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        onState('live');
        delay = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          arm();
          buf += value;
          let end;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            let event = 'message';
            const data = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue;
              const colon = line.indexOf(':');
              const field = colon < 0 ? line : line.slice(0, colon);
              const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'event') event = val;
              else if (field === 'data') data.push(val);
            }
            if (data.length) onEvent(event, data.join('\n'));
          }
        }
      } catch {
        // a network error or the watchdog: reconnect below
      } finally {
        clearTimeout(watchdog);
      }
      if (stopped) return;
      onState('reconnecting');
      await sleep(delay);
      delay = Math.min(delay * 2, 10000);
    }
  })();
  return () => {
    stopped = true;
    if (controller) controller.abort();
  };
}

/** A random id for kiosk frames; crypto.randomUUID exists only in secure contexts. */
export function randomId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** One alert for staff (a suspected photo or screen at a kiosk): where, when, whom it resembled.
 *  Never a photo. */
export function alertItem(a) {
  const who = a.delegate
    ? t('alert-resembles', { name: a.delegate.full_name, delegation: a.delegate.delegation })
    : t('alert-resembles-nobody');
  return h('li', { class: 'alert-item' },
    h('strong', {}, t('alert-spoof', { kiosk: a.kiosk.name })),
    h('span', {}, who),
    h('time', {}, fmtTime(a.at)));
}
