// Presidium dashboard: the open sitting's attendance and quorum, live from the event stream.
// No photos here: it shows names, delegations and counts only.
import { $, h, api, subscribe, startPage, fmtTime, alertItem, download } from '/assets/common.js';

const RECENT = 12;
const ALERTS = 4;
let sitting = null;
let stop = null;
let refreshTimer = null;
let lastRollCall = null;

function ruleText(s, att) {
  const frac = `${s.quorum_numerator}/${s.quorum_denominator}`;
  const rule = s.quorum_rule === 'more_than' ? 'more than' : 'at least';
  return `Quorum: ${rule} ${frac} of ${att.eligible} eligible delegates, that is ${att.required} present`;
}

function renderCounts(c) {
  $('#present').textContent = c.present;
  $('#eligible').textContent = c.eligible;
  const pct = c.eligible > 0 ? (100 * c.present) / c.eligible : 0;
  $('#percent').textContent = `${pct.toFixed(1)}%`;
  $('#meter-fill').style.width = `${Math.min(100, pct)}%`;
  const line = c.eligible > 0 ? (100 * c.required) / c.eligible : 0;
  $('#quorum-line').style.left = `${Math.min(100, line)}%`;
  const q = $('#quorum');
  const closed = sitting && sitting.status === 'closed';
  if (c.quorum_reached) {
    q.className = 'quorum yes';
    q.textContent = closed ? 'QUORUM WAS REACHED' : 'QUORUM REACHED';
  } else {
    q.className = 'quorum no';
    const missing = Math.max(0, c.required - c.present);
    q.textContent = `NO QUORUM · ${missing} more needed`;
  }
}

function renderDelegations(rows) {
  const list = $('#delegations');
  list.replaceChildren(
    ...rows.map((d) => {
      const pct = d.eligible > 0 ? (100 * d.present) / d.eligible : 0;
      const bar = h('div', { class: 'fill' });
      bar.style.width = `${Math.min(100, pct)}%`;
      return h('li', {},
        h('span', { class: 'name' }, d.delegation),
        h('span', { class: 'num' }, `${d.present} / ${d.eligible}`),
        h('div', { class: 'meter small' }, bar));
    }),
  );
}

function recentItem(c, fresh) {
  return h('li', { class: fresh ? 'fresh' : '', dataset: { delegate: c.delegate_id } },
    h('span', { class: 'name' }, c.full_name),
    h('span', { class: 'del' }, c.delegation),
    h('time', {}, fmtTime(c.checked_in_at ?? c.at)));
}

function renderRecent(checkins) {
  const last = [...checkins].sort((a, b) => b.checked_in_at - a.checked_in_at).slice(0, RECENT);
  $('#recent').replaceChildren(...last.map((c) => recentItem(c, false)));
}

/** The latest roll call of the sitting: when, how many present, quorum (names stay in the file). */
function renderRollCall(r) {
  lastRollCall = r;
  $('#roll-call-files').hidden = !r;
  $('#take-roll-call').disabled = !sitting || sitting.status !== 'open';
  const text = $('#last-roll-call');
  if (!r) {
    text.textContent = 'No roll call yet';
    return;
  }
  const q = r.quorum_reached ? 'quorum reached' : `no quorum (${r.required} needed)`;
  text.textContent = `Roll call ${r.id} at ${fmtTime(r.taken_at)}: ${r.present} of ${r.eligible} present, ${q}`;
}

async function takeRollCall() {
  const button = $('#take-roll-call');
  button.disabled = true;
  try {
    const signed = await api('POST', `/sittings/${sitting.id}/roll-calls`);
    const r = signed.roll_call;
    if (!lastRollCall || r.id > lastRollCall.id) renderRollCall(r);
  } catch (e) {
    $('#last-roll-call').textContent = `Roll call not taken: ${e.message}`;
  } finally {
    button.disabled = !sitting || sitting.status !== 'open';
  }
}

async function refresh() {
  if (!sitting) return;
  const calls = await api('GET', `/sittings/${sitting.id}/roll-calls`);
  renderRollCall(calls.length ? calls[calls.length - 1] : null);
  const att = await api('GET', `/sittings/${sitting.id}/attendance`);
  renderCounts(att);
  $('#rule').textContent = ruleText(sitting, att);
  renderDelegations(att.by_delegation);
  renderRecent(att.checkins);
}

/** Delegation bars come from a full refresh: within a second of an event, at most once a second
 *  however fast people arrive (a throttle, not a debounce, so a steady stream still refreshes). */
function refreshSoon() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    refresh().catch(() => {});
  }, 1000);
}

function addAlert(a) {
  const list = $('#alerts');
  list.prepend(alertItem(a));
  while (list.children.length > ALERTS) list.lastChild.remove();
  $('#alerts-panel').hidden = false;
}

function onEvent(kind, data) {
  if (kind === 'lagged') return refreshSoon();
  let e;
  try {
    e = JSON.parse(data);
  } catch {
    return;
  }
  if (kind === 'alert') return addAlert(e);
  if (kind === 'roll_call') {
    if (!lastRollCall || e.id > lastRollCall.id) renderRollCall(e);
    return;
  }
  renderCounts(e);
  if (kind === 'checkin') {
    const list = $('#recent');
    list.prepend(recentItem(e, true));
    while (list.children.length > RECENT) list.lastChild.remove();
  } else if (kind === 'checkout') {
    for (const li of $('#recent').querySelectorAll(`li[data-delegate="${e.delegate_id}"]`)) li.remove();
  }
  refreshSoon();
}

function setLive(state) {
  const live = $('#live');
  live.className = `live ${state === 'live' ? 'on' : 'off'}`;
  live.textContent = state === 'live' ? 'live' : 'reconnecting…';
}

function watch(s) {
  if (stop) stop();
  sitting = s;
  $('#no-sitting').hidden = !!s;
  $('#figures').hidden = !s;
  if (!s) {
    $('#sitting-name').textContent = 'Attendance';
    $('#sitting-time').textContent = '';
    $('#delegations').replaceChildren();
    $('#recent').replaceChildren();
    $('#alerts').replaceChildren();
    $('#alerts-panel').hidden = true;
    renderRollCall(null);
    setLive('live');
    return;
  }
  $('#sitting-name').textContent = s.name;
  $('#sitting-time').textContent = s.status === 'closed'
    ? `closed ${fmtTime(s.closed_at)}`
    : s.opened_at ? `opened ${fmtTime(s.opened_at)}` : 'not opened yet';
  // The stream starts with a snapshot, which triggers the first full refresh.
  stop = subscribe(`/sittings/${s.id}/events`, onEvent, (st) => {
    setLive(st);
    if (st === 'live') refresh().catch(() => {});
  });
}

/** The sitting named in ?sitting=ID, else the open one; re-checked every few seconds. */
async function pick() {
  const wanted = Number(new URLSearchParams(location.search).get('sitting')) || null;
  const list = await api('GET', '/sittings');
  const s = wanted ? list.find((x) => x.id === wanted) : list.find((x) => x.status === 'open');
  const same = s && sitting && s.id === sitting.id && s.status === sitting.status;
  if (!same && (s || sitting)) watch(s || null);
}

function tick() {
  $('#clock').textContent = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

startPage({
  roles: ['presidium', 'admin'],
  pageName: 'attendance dashboard',
  start: async () => {
    $('#take-roll-call').addEventListener('click', () => takeRollCall());
    $('#roll-call-json').addEventListener('click', () =>
      download(`/roll-calls/${lastRollCall.id}`, `roll-call-${lastRollCall.id}.json`).catch(() => {}));
    $('#roll-call-csv').addEventListener('click', () =>
      download(`/roll-calls/${lastRollCall.id}/csv`, `roll-call-${lastRollCall.id}.csv`).catch(() => {}));
    tick();
    setInterval(tick, 1000);
    watch(null);
    const loop = async () => {
      try {
        await pick();
      } catch {
        setLive('reconnecting');
      }
      setTimeout(loop, 5000);
    };
    loop();
  },
});
