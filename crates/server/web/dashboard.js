// Presidium dashboard: the open sitting's attendance and quorum, live from the event stream.
// No photos here: it shows names, delegations and counts only.
import {
  $, h, api, subscribe, startPage, alertItem, download, errorText, quorumArgs,
} from '/assets/common.js';
import { t, fmtTime, fmtClock, fmtPercent } from '/assets/i18n.js';

const RECENT = 12;
const ALERTS = 4;
let sitting = null;
let stop = null;
let refreshTimer = null;
let lastRollCall = null;
// What the arrivals chart is drawn from: the sitting's check-ins and passages since.
let chartData = { checkins: [], movements: [], required: 0, eligible: 0 };

const inHallBasis = () => sitting && sitting.quorum_basis === 'in_hall';

function ruleText(s, att) {
  return t('dash-rule', { ...quorumArgs(s), eligible: att.eligible, required: att.required });
}

function renderCounts(c) {
  $('#count-label').textContent = t('dash-count-label', { basis: inHallBasis() ? 'in_hall' : 'checked_in' });
  $('#present').textContent = c.present;
  if (c.checked_in !== undefined) $('#checked-in').textContent = c.checked_in;
  if (c.in_hall !== undefined) $('#in-hall').textContent = c.in_hall;
  $('#eligible').textContent = c.eligible;
  const pct = c.eligible > 0 ? (100 * c.present) / c.eligible : 0;
  $('#percent').textContent = fmtPercent(pct / 100);
  $('#meter-fill').style.width = `${Math.min(100, pct)}%`;
  const line = c.eligible > 0 ? (100 * c.required) / c.eligible : 0;
  $('#quorum-line').style.left = `${Math.min(100, line)}%`;
  const q = $('#quorum');
  const closed = sitting && sitting.status === 'closed';
  if (c.quorum_reached) {
    q.className = 'quorum yes';
    q.textContent = t(closed ? 'dash-quorum-was-reached' : 'dash-quorum-reached');
  } else {
    q.className = 'quorum no';
    const missing = Math.max(0, c.required - c.present);
    q.textContent = t('dash-no-quorum', { missing });
  }
}

function renderDelegations(rows) {
  const list = $('#delegations');
  list.replaceChildren(
    ...rows.map((d) => {
      const counted = inHallBasis() ? (d.in_hall ?? d.present) : d.present;
      const pct = d.eligible > 0 ? (100 * counted) / d.eligible : 0;
      const bar = h('div', { class: 'fill' });
      bar.style.width = `${Math.min(100, pct)}%`;
      return h('li', {},
        h('span', { class: 'name' }, d.delegation),
        h('span', { class: 'num' }, `${counted} / ${d.eligible}`),
        h('div', { class: 'meter small' }, bar));
    }),
  );
}

function recentItem(c, fresh, passage = '') {
  const del = passage ? t('dash-passage', { delegation: c.delegation, passage }) : c.delegation;
  return h('li', { class: `${fresh ? 'fresh' : ''} ${passage}`, dataset: { delegate: c.delegate_id } },
    h('span', { class: 'name' }, c.full_name),
    h('span', { class: 'del' }, del),
    h('time', {}, fmtTime(c.checked_in_at ?? c.at)));
}

/** The counts over time, from the check-ins of delegates on the roll and their passages since:
 *  [[time, checked in, in the hall], ...] in time order, starting at the opening at zero. */
export function arrivalSteps(opened, checkins, movements) {
  const roll = new Set(checkins.filter((c) => c.on_roll !== false).map((c) => c.delegate_id));
  const changes = [
    ...checkins.filter((c) => roll.has(c.delegate_id)).map((c) => [c.checked_in_at, 1, 1]),
    ...movements.filter((m) => roll.has(m.delegate_id))
      .map((m) => [m.at, 0, m.direction === 'exit' ? -1 : 1]),
  ].sort((a, b) => a[0] - b[0]);
  const steps = [[opened ?? (changes.length ? changes[0][0] : Date.now()), 0, 0]];
  let [checked, hall] = [0, 0];
  for (const [t, dc, dh] of changes) {
    checked += dc;
    hall += dh;
    steps.push([t, checked, hall]);
  }
  return steps;
}

/** When the counted series first reached `required`, or null. */
export function quorumTime(steps, required, inHall) {
  const hit = steps.find((s) => (inHall ? s[2] : s[1]) >= required && required > 0);
  return hit ? hit[0] : null;
}

function drawArrivals() {
  const svg = $('#arrivals');
  if (!sitting) return svg.replaceChildren();
  const { checkins, movements, required, eligible } = chartData;
  const steps = arrivalSteps(sitting.opened_at, checkins, movements);
  const end = sitting.closed_at || Date.now();
  const start = steps[0][0];
  const [W, H, pad] = [600, 170, 8];
  const top = Math.max(eligible, required, 1);
  const x = (t) => pad + ((W - 2 * pad) * (t - start)) / Math.max(1, end - start);
  const y = (n) => H - pad - ((H - 2 * pad) * n) / top;
  const path = (k) => {
    let d = `M${x(steps[0][0])},${y(steps[0][k])}`;
    for (let i = 1; i < steps.length; i += 1) d += `H${x(steps[i][0])}V${y(steps[i][k])}`;
    return `${d}H${x(end)}`;
  };
  const ns = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs) => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  };
  const moved = movements.length > 0 || inHallBasis();
  svg.replaceChildren(
    el('line', { class: 'axis', x1: pad, x2: W - pad, y1: y(0), y2: y(0) }),
    el('line', { class: 'quorum-line', x1: pad, x2: W - pad, y1: y(required), y2: y(required) }),
    el('path', { class: 'series checked', d: path(1) }),
    ...(moved ? [el('path', { class: 'series hall', d: path(2) })] : []),
  );
  const reached = quorumTime(steps, required, inHallBasis());
  const minutes = reached && sitting.opened_at ? Math.round((reached - sitting.opened_at) / 60000) : null;
  $('#time-to-quorum').textContent = !reached ? t('dash-quorum-not-yet')
    : minutes !== null ? t('dash-quorum-at-after', { time: fmtTime(reached), minutes })
      : t('dash-quorum-at', { time: fmtTime(reached) });
}

/** The latest arrivals and passages (out, back in), newest first. */
function renderRecent(checkins, movements) {
  const byId = new Map(checkins.map((c) => [c.delegate_id, c]));
  const items = [
    ...checkins.map((c) => ({ at: c.checked_in_at, c, passage: '' })),
    ...movements.filter((m) => byId.has(m.delegate_id)).map((m) => ({
      at: m.at,
      c: { ...byId.get(m.delegate_id), checked_in_at: m.at },
      passage: m.direction === 'exit' ? 'exit' : 'reentry',
    })),
  ].sort((a, b) => b.at - a.at).slice(0, RECENT);
  $('#recent').replaceChildren(...items.map((i) => recentItem(i.c, false, i.passage)));
}

/** The latest roll call of the sitting: when, how many present, quorum (names stay in the file). */
function renderRollCall(r) {
  lastRollCall = r;
  $('#roll-call-files').hidden = !r;
  $('#take-roll-call').disabled = !sitting || sitting.status !== 'open';
  const text = $('#last-roll-call');
  if (!r) {
    text.textContent = t('dash-no-roll-call');
    return;
  }
  text.textContent = t('dash-roll-call', {
    id: String(r.id),
    time: fmtTime(r.taken_at),
    present: r.present,
    eligible: r.eligible,
    required: r.required,
    reached: r.quorum_reached ? 'yes' : 'no',
  });
}

async function takeRollCall() {
  const button = $('#take-roll-call');
  button.disabled = true;
  try {
    const signed = await api('POST', `/sittings/${sitting.id}/roll-calls`);
    const r = signed.roll_call;
    if (!lastRollCall || r.id > lastRollCall.id) renderRollCall(r);
  } catch (e) {
    $('#last-roll-call').textContent = t('dash-roll-call-failed', { error: errorText(e) });
  } finally {
    button.disabled = !sitting || sitting.status !== 'open';
  }
}

async function refresh() {
  if (!sitting) return;
  const calls = await api('GET', `/sittings/${sitting.id}/roll-calls`);
  renderRollCall(calls.length ? calls[calls.length - 1] : null);
  const att = await api('GET', `/sittings/${sitting.id}/attendance`);
  const movements = await api('GET', `/sittings/${sitting.id}/movements`);
  chartData = { checkins: att.checkins, movements, required: att.required, eligible: att.eligible };
  drawArrivals();
  renderCounts(att);
  $('#rule').textContent = ruleText(sitting, att);
  renderDelegations(att.by_delegation);
  renderRecent(att.checkins, movements);
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
  if (kind === 'checkin' || kind === 'exit' || kind === 'reentry') {
    const list = $('#recent');
    list.prepend(recentItem(e, true, kind === 'checkin' ? '' : kind));
    while (list.children.length > RECENT) list.lastChild.remove();
  } else if (kind === 'checkout') {
    for (const li of $('#recent').querySelectorAll(`li[data-delegate="${e.delegate_id}"]`)) li.remove();
  }
  refreshSoon();
}

function setLive(state) {
  const live = $('#live');
  live.className = `live ${state === 'live' ? 'on' : 'off'}`;
  live.textContent = t(state === 'live' ? 'live-on' : 'live-reconnecting');
}

function watch(s) {
  if (stop) stop();
  sitting = s;
  $('#no-sitting').hidden = !!s;
  $('#figures').hidden = !s;
  if (!s) {
    $('#sitting-name').textContent = t('dash-title');
    $('#sitting-time').textContent = '';
    $('#delegations').replaceChildren();
    $('#recent').replaceChildren();
    chartData = { checkins: [], movements: [], required: 0, eligible: 0 };
    drawArrivals();
    $('#alerts').replaceChildren();
    $('#alerts-panel').hidden = true;
    renderRollCall(null);
    setLive('live');
    return;
  }
  $('#sitting-name').textContent = s.name;
  $('#sitting-time').textContent = s.status === 'closed'
    ? t('dash-closed-at', { time: fmtTime(s.closed_at) })
    : s.opened_at ? t('dash-opened-at', { time: fmtTime(s.opened_at) }) : t('dash-not-opened');
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
  $('#clock').textContent = fmtClock(Date.now());
}

startPage({
  roles: ['presidium', 'admin'],
  intro: 'login-dashboard',
  start: async () => {
    $('#take-roll-call').addEventListener('click', () => takeRollCall());
    $('#roll-call-json').addEventListener('click', () =>
      download(`/roll-calls/${lastRollCall.id}`, `roll-call-${lastRollCall.id}.json`).catch(() => {}));
    $('#roll-call-csv').addEventListener('click', () =>
      download(`/roll-calls/${lastRollCall.id}/csv`, `roll-call-${lastRollCall.id}.csv`).catch(() => {}));
    tick();
    setInterval(tick, 1000);
    // The chart's time axis runs to now: redrawn every half minute between events.
    setInterval(drawArrivals, 30000);
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
