// The pages' words, in the language chosen: the catalogue comes from the server (GET /i18n, the
// same Fluent files the kiosks and exports use) and is formatted by Fluent's JavaScript library,
// loaded before the modules as /assets/fluent-bundle.js. The language is the one last picked on a
// page of this browser, or `?lang=` in the address (a kiosk's bookmark), else the browser's own
// preference, which the server negotiates. Times, dates and numbers follow the same language
// (24-hour clock in Vietnamese).

const KEY = 'rollcall.lang';
const { FluentBundle, FluentResource } = globalThis.FluentBundle;

let bundle = new FluentBundle('en', { useIsolating: false });
let languages = [];
/** The tag of the language the page speaks. */
export let lang = 'en';
/** Message ids the page asked for and the catalogue lacks (the browser tests read this). */
export const missing = new Set();
globalThis.rollcallMissingMessages = missing;

/** Fetches the catalogue and translates the static text of the page. */
export async function loadLanguage() {
  const fromAddress = new URLSearchParams(location.search).get('lang');
  if (fromAddress) localStorage.setItem(KEY, fromAddress);
  const wanted = localStorage.getItem(KEY);
  try {
    const res = await fetch(`/i18n${wanted ? `?lang=${encodeURIComponent(wanted)}` : ''}`, { cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const data = await res.json();
    lang = data.lang;
    languages = data.languages;
    bundle = new FluentBundle(lang, { useIsolating: false });
    for (const e of bundle.addResource(new FluentResource(data.catalogue))) console.warn('catalogue:', e);
  } catch (e) {
    // Without a catalogue the page still works and shows message ids: better than nothing.
    console.warn('no catalogue:', e);
  }
  document.documentElement.lang = lang;
  translate(document);
}

function format(id, pattern, args) {
  const errors = [];
  const text = bundle.formatPattern(pattern, args, errors);
  if (errors.length) missing.add(`${id}: ${errors[0]}`);
  return text;
}

/** The message `id` with `args` filled in (numbers select plural forms and are formatted for the
 *  language); the id itself when the catalogue lacks it. */
export function t(id, args = {}) {
  const message = bundle.getMessage(id);
  if (!message || !message.value) {
    missing.add(id);
    return id;
  }
  return format(id, message.value, args);
}

/** Translates every element under `root` with a `data-i18n` attribute (a message id): the
 *  message's value becomes its text, and its attributes (`.placeholder`, `.aria-label`) the
 *  element's. */
export function translate(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) apply(el);
}

function apply(el) {
  const id = el.dataset.i18n;
  const message = bundle.getMessage(id);
  if (!message) {
    missing.add(id);
    return;
  }
  if (message.value) el.textContent = format(id, message.value, {});
  for (const [name, pattern] of Object.entries(message.attributes)) {
    el.setAttribute(name, format(id, pattern, {}));
  }
}

/** A select that switches the page's language (and every page's in this browser). */
export function languageSwitch() {
  const select = document.createElement('select');
  select.className = 'lang-switch';
  select.dataset.i18n = 'language-switch';
  apply(select);
  for (const l of languages) {
    const option = document.createElement('option');
    option.value = l.tag;
    option.textContent = l.name;
    option.selected = l.tag === lang;
    select.append(option);
  }
  select.addEventListener('change', () => {
    localStorage.setItem(KEY, select.value);
    const url = new URL(location.href);
    url.searchParams.delete('lang');
    // Every text on the page, fixed and drawn, comes back in the new language; the token is
    // kept for this tab, so the page logs straight back in.
    location.replace(url);
  });
  return select;
}

const cache = new Map();
function formatter(kind, options) {
  const key = `${lang}|${kind}|${JSON.stringify(options)}`;
  if (!cache.has(key)) {
    cache.set(key, kind === 'date' ? new Intl.DateTimeFormat(lang, options) : new Intl.NumberFormat(lang, options));
  }
  return cache.get(key);
}

/** A time of day with seconds (14:05:09 in Vietnamese, 2:05:09 PM in English). */
export const fmtTime = (ms) => (ms ? formatter('date', { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(ms) : '');
/** A time of day to the minute, for clocks. */
export const fmtClock = (ms) => formatter('date', { hour: '2-digit', minute: '2-digit' }).format(ms);
/** A date and time, for the record. */
export const fmtDateTime = (ms) => (ms ? formatter('date', { dateStyle: 'medium', timeStyle: 'medium' }).format(ms) : '');
/** A short date and time, for lists. */
export const fmtShortDateTime = (ms) => (ms ? formatter('date', { dateStyle: 'short', timeStyle: 'short' }).format(ms) : '');
/** A share in [0, 1] as a percentage with one decimal (52.3% / 52,3%). */
export const fmtPercent = (x) => formatter('number', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(x);
/** A number with `digits` decimals. */
export const fmtNumber = (x, digits = 0) => formatter('number', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);
