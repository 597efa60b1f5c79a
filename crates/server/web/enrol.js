// Staff enrolment desk: find or add delegates, enrol photos (file or camera) through the server's
// quality gate, check people in by hand with a reason, bulk import, and (admins) run sittings.
import { $, h, api, startPage, sleep, subscribe, alertItem, errorText, quorumArgs } from '/assets/common.js';
import { t, fmtShortDateTime, fmtNumber } from '/assets/i18n.js';

const SHOWN = 200;
let role = null;
let openSitting = null;
// Delegates checked in to the open sitting: id -> in the hall now.
let present = new Map();
let selected = null;
let stream = null;

function say(el, text, kind = '') {
  el.textContent = text;
  el.className = kind;
}

let watched = null;
let stopWatching = null;

/** Alerts from the open sitting's kiosks (suspected photos or screens), as they happen. */
function watchAlerts() {
  const id = openSitting ? openSitting.id : null;
  if (id === watched) return;
  if (stopWatching) stopWatching();
  stopWatching = null;
  watched = id;
  if (id === null) return;
  stopWatching = subscribe(`/sittings/${id}/events`, (kind, data) => {
    // Arrivals (a kiosk's, another desk's) and corrections change who is still expected;
    // passages at the doors change who is in the hall.
    if (kind === 'checkin' || kind === 'checkout' || kind === 'lagged') loadExpectedSoon();
    if (['checkin', 'checkout', 'exit', 'reentry', 'lagged'].includes(kind)) {
      presenceSoon();
      return;
    }
    if (kind !== 'alert') return;
    let a;
    try {
      a = JSON.parse(data);
    } catch {
      return;
    }
    const list = $('#alerts');
    list.prepend(alertItem(a));
    while (list.children.length > 5) list.lastChild.remove();
    $('#alerts-panel').hidden = false;
  }, () => {});
}

async function loadSittingState() {
  const list = await api('GET', '/sittings');
  openSitting = list.find((s) => s.status === 'open') || null;
  watchAlerts();
  await loadPresent();
  $('#open-sitting').textContent = openSitting
    ? t('desk-open-sitting', { name: openSitting.name })
    : t('desk-no-open-sitting');
  $('#open-sitting').title = $('#open-sitting').textContent;
  renderSittings(list);
  await loadExpected();
}

/** Who is on the open sitting's roll and has not arrived, by delegation. */
async function loadExpected() {
  const panel = $('#expected-panel');
  if (!openSitting) {
    panel.hidden = true;
    return;
  }
  const list = await api('GET', `/sittings/${openSitting.id}/expected`);
  const expected = list.reduce((n, d) => n + d.expected, 0);
  const missing = list.reduce((n, d) => n + d.missing.length, 0);
  $('#expected-note').textContent = missing === 0
    ? t('desk-expected-all', { expected })
    : t('desk-expected-some', { missing, expected });
  $('#expected').replaceChildren(...list.filter((d) => d.missing.length > 0).map((d) =>
    h('details', { class: 'expected-delegation', open: true },
      h('summary', {}, t('desk-expected-delegation', {
        delegation: d.delegation, missing: d.missing.length, expected: d.expected })),
      h('ul', {}, ...d.missing.map((m) => h('li', {}, m.full_name))))));
  panel.hidden = false;
}

let expectedTimer = null;
/** Reloads the list once a burst of arrivals has passed. */
function loadExpectedSoon() {
  clearTimeout(expectedTimer);
  expectedTimer = setTimeout(() => loadExpected().catch(() => {}), 500);
}

/** Who is checked in to the open sitting, and whether each is in the hall now. */
async function loadPresent() {
  if (!openSitting) {
    present = new Map();
    return;
  }
  const att = await api('GET', `/sittings/${openSitting.id}/attendance`);
  present = new Map(att.checkins.map((c) => [c.delegate_id, c.in_hall !== false]));
}

let presenceTimer = null;
/** Re-reads who is checked in and in the hall once a burst of events has passed, and redraws the
 *  list and the selected delegate's state with it. */
function presenceSoon() {
  clearTimeout(presenceTimer);
  presenceTimer = setTimeout(async () => {
    if (!openSitting) return;
    try {
      await loadPresent();
      renderCheckinState();
      await search();
    } catch { /* offline for a moment; the periodic refresh catches up */ }
  }, 500);
}

// ---- delegates -------------------------------------------------------------------------------

async function search() {
  const q = $('#search').value.trim();
  const list = await api('GET', `/delegates${q ? `?q=${encodeURIComponent(q)}` : ''}`);
  const rows = list.slice(0, SHOWN).map((d) =>
    h('tr', { class: selected && selected.id === d.id ? 'selected' : '', tabindex: '0',
      dataset: { id: d.id }, onclick: () => select(d.id),
      onkeydown: (ev) => { if (ev.key === 'Enter') select(d.id); } },
    h('td', {}, d.external_id),
    h('td', {}, d.full_name),
    h('td', {}, d.delegation),
    h('td', {}, d.photos > 0
      ? h('span', { class: 'badge ok' }, t('desk-enrolled-badge', { photos: d.photos }))
      : h('span', { class: 'badge warn' }, t('desk-no-photo-badge'))),
    h('td', {}, present.has(d.id)
      ? (present.get(d.id)
        ? h('span', { class: 'badge ok' }, t('desk-present-badge'))
        : h('span', { class: 'badge' }, t('desk-left-badge')))
      : '')));
  $('#delegates tbody').replaceChildren(...rows);
  $('#list-note').textContent = list.length > SHOWN
    ? t('desk-list-more', { count: list.length, shown: SHOWN })
    : t('desk-list-count', { count: list.length });
}

async function select(id) {
  const d = await api('GET', `/delegates/${id}`);
  selected = d;
  $('#pick-hint').hidden = true;
  $('#person').hidden = false;
  $('#p-name').textContent = d.full_name;
  $('#p-meta').textContent = t('desk-person-meta', {
    id: d.external_id, delegation: d.delegation, eligible: d.eligible ? 'yes' : 'no' });
  $('#p-status').replaceChildren(d.photos > 0
    ? h('span', { class: 'badge ok' }, t('desk-enrolled', { photos: d.photos }))
    : h('span', { class: 'badge warn' }, t('desk-not-enrolled')));
  say($('#verdict'), '');
  say($('#checkin-message'), '');
  renderCheckinState();
  for (const tr of document.querySelectorAll('#delegates tbody tr')) {
    tr.classList.toggle('selected', Number(tr.dataset.id) === id);
  }
}

function renderCheckinState() {
  if (!selected) return;
  const here = present.has(selected.id);
  const inHall = here && present.get(selected.id);
  $('#checkin-state').textContent = !openSitting
    ? t('desk-state-no-sitting')
    : t('desk-state', { sitting: openSitting.name, state: !here ? 'absent' : inHall ? 'in_hall' : 'left' });
  // Someone who left comes back in through the same button.
  $('#checkin-btn').disabled = !openSitting || inHall;
  $('#checkin-btn').textContent = t(here && !inHall ? 'desk-back-in' : 'desk-check-in');
  $('#out-btn').disabled = !openSitting || !inHall;
  $('#undo-btn').disabled = !openSitting || !here;
}

async function addDelegate(ev) {
  ev.preventDefault();
  const msg = $('#add-message');
  try {
    const d = await api('POST', '/delegates', {
      external_id: $('#add-external').value.trim(),
      full_name: $('#add-name').value.trim(),
      delegation: $('#add-delegation').value.trim(),
      eligible: $('#add-eligible').checked,
    });
    say(msg, t('desk-added', { name: d.full_name }), 'ok');
    $('#add-form').reset();
    $('#search').value = d.external_id;
    await search();
    await select(d.id);
  } catch (e) {
    say(msg, e.status === 409 ? t('desk-external-id-taken') : errorText(e), 'error');
  }
}

// ---- photos ----------------------------------------------------------------------------------

/** The notice that the enrolled faces resemble one another more than the reference populations
 *  did, so the server raised its threshold (self-calibration). */
async function loadThreshold() {
  const notice = $('#threshold-notice');
  try {
    const r = await api('GET', '/recognition/threshold');
    notice.hidden = !r.raised;
    if (r.raised) {
      notice.textContent = t('desk-threshold-raised', {
        from: fmtNumber(r.reference, 3), to: fmtNumber(r.threshold, 3),
      });
    }
  } catch (e) {
    notice.hidden = true;
  }
}

/** Why a photo was refused, as a title and a sentence in the page's language, with the figures the
 *  server measured and the ones it needs (from the error's detail). */
function refusal(e) {
  const d = e.detail || {};
  if (e.code === 'duplicate_of' && d.delegate) {
    return [t('desk-duplicate-of', { name: d.delegate.full_name }), t('refusal-detail', { code: e.code })];
  }
  const explained = e.code === 'no_face' || 'faces' in d || ('measured' in d && 'needed' in d);
  return [
    t('refusal', { code: e.code || '' }),
    explained
      ? t('refusal-detail', { code: e.code, faces: d.faces ?? 0, measured: d.measured ?? 0, needed: d.needed ?? 0 })
      : errorText(e),
  ];
}

/** `source`: 'file' (an uploaded portrait: liveness is advisory) or 'camera' (the desk's camera:
 *  a capture that looks like a photo or a screen is refused). */
async function enrolPhoto(blob, source) {
  if (!selected) return;
  const verdict = $('#verdict');
  say(verdict, t('desk-checking-photo'), 'pending');
  try {
    const r = await api('POST', `/delegates/${selected.id}/photos?source=${source}`, blob);
    const q = r.quality || {};
    await select(selected.id);
    verdict.replaceChildren(
      h('strong', {}, t('desk-photo-accepted')), ' ',
      h('span', { class: 'muted' }, t('desk-photo-quality', {
        eyes: Math.round(q.inter_eye || 0),
        sharpness: Math.round(q.sharpness || 0),
        frontal: fmtNumber(q.frontal || 0, 2),
      })));
    verdict.className = 'verdict ok';
    if (r.liveness_low) {
      verdict.append(h('p', { class: 'advice', id: 'liveness-advice' },
        t('desk-liveness-advisory', { score: fmtNumber(r.liveness ?? 0, 2) })));
      verdict.className = 'verdict warn';
    }
    await search();
    await loadThreshold();
  } catch (e) {
    const [title, why] = refusal(e);
    verdict.replaceChildren(h('strong', {}, title), ' ', h('span', {}, why));
    verdict.className = 'verdict error';
  }
}

async function startCamera() {
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: false });
  } catch (e) {
    say($('#verdict'), t('camera-failed', { error: e.message }), 'verdict error');
    return;
  }
  $('#video').srcObject = stream;
  $('#camera').hidden = false;
}

function stopCamera() {
  if (stream) for (const t of stream.getTracks()) t.stop();
  stream = null;
  $('#camera').hidden = true;
}

function capture() {
  const v = $('#video');
  const c = document.createElement('canvas');
  c.width = v.videoWidth;
  c.height = v.videoHeight;
  c.getContext('2d').drawImage(v, 0, 0);
  c.toBlob((b) => b && enrolPhoto(b, 'camera'), 'image/jpeg', 0.92);
}

// ---- manual check-in ------------------------------------------------------------------------

async function manualCheckin(ev) {
  ev.preventDefault();
  const reason = $('#reason').value.trim();
  const msg = $('#checkin-message');
  if (!reason) return say(msg, t('desk-reason-checkin'), 'error');
  try {
    const a = await api('POST', `/sittings/${openSitting.id}/checkins`, { delegate_id: selected.id, reason });
    present.set(selected.id, true);
    $('#reason').value = '';
    say(msg, t(a.status === 'returned' ? 'desk-is-back' : 'desk-is-checked-in', { name: selected.full_name }), 'ok');
    loadExpectedSoon();
  } catch (e) {
    say(msg, errorText(e), 'error');
  }
  renderCheckinState();
  await search();
}

/** Marks the selected delegate as having left the hall (the check-in stays in the record). */
async function markOut() {
  const reason = $('#reason').value.trim();
  const msg = $('#checkin-message');
  if (!reason) return say(msg, t('desk-reason-out'), 'error');
  try {
    await api('POST', `/sittings/${openSitting.id}/checkouts`, { delegate_id: selected.id, reason });
    present.set(selected.id, false);
    $('#reason').value = '';
    say(msg, t('desk-is-out', { name: selected.full_name }), 'ok');
  } catch (e) {
    say(msg, errorText(e), 'error');
  }
  renderCheckinState();
  await search();
}

async function undoCheckin() {
  const reason = $('#reason').value.trim();
  const msg = $('#checkin-message');
  if (!reason) return say(msg, t('desk-reason-undo'), 'error');
  try {
    await api('DELETE', `/sittings/${openSitting.id}/checkins/${selected.id}?reason=${encodeURIComponent(reason)}`);
    present.delete(selected.id);
    $('#reason').value = '';
    loadExpectedSoon();
    say(msg, t('desk-undone', { name: selected.full_name }), 'ok');
  } catch (e) {
    say(msg, errorText(e), 'error');
  }
  renderCheckinState();
  await search();
}

// ---- bulk import -----------------------------------------------------------------------------

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); field = '';
      if (row.some((f) => f.trim() !== '')) rows.push(row);
      row = [];
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f.trim() !== '')) rows.push(row);
  return rows.map((r) => r.map((f) => f.trim()));
}

/** Retries while the server is busy (503), as the command-line importer does. */
async function patiently(fn) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (e.status !== 503 || attempt >= 20) throw e;
      await sleep(500 * Math.min(attempt + 1, 4));
    }
  }
}

async function findOrCreate(externalId, fullName, delegation, eligible) {
  try {
    return await patiently(() => api('POST', '/delegates', { external_id: externalId, full_name: fullName, delegation, eligible }));
  } catch (e) {
    if (e.status !== 409) throw e;
    const found = await api('GET', `/delegates?q=${encodeURIComponent(externalId)}`);
    const d = found.find((x) => x.external_id === externalId);
    if (!d) throw e;
    return d;
  }
}

async function bulkImport(ev) {
  ev.preventDefault();
  const status = $('#import-status');
  const report = $('#import-report');
  const bar = $('#import-progress');
  report.replaceChildren();
  const file = $('#import-csv').files[0];
  if (!file) return say(status, t('desk-import-no-file'), 'error');
  const rows = parseCsv(await file.text());
  const header = (rows.shift() || []).map((x) => x.toLowerCase());
  const col = (n) => header.indexOf(n);
  const [ext, name, del, elig] = ['external_id', 'full_name', 'delegation', 'eligible'].map(col);
  if (ext < 0 || name < 0 || del < 0) {
    return say(status, t('desk-import-header'), 'error');
  }
  const photos = new Map();
  for (const f of $('#import-photos').files) photos.set(f.name.replace(/\.[^.]+$/, ''), f);
  bar.hidden = false;
  bar.max = rows.length;
  bar.value = 0;
  let ok = 0;
  let failed = 0;
  for (const [i, r] of rows.entries()) {
    const id = r[ext] || t('desk-import-row', { row: i + 2 });
    try {
      const eligible = elig < 0 || !['0', 'false', 'no', 'n'].includes((r[elig] || '').toLowerCase());
      const d = await findOrCreate(r[ext], r[name], r[del], eligible);
      const photo = photos.get(r[ext]);
      if (photo) await patiently(() => api('POST', `/delegates/${d.id}/photos`, photo));
      ok++;
      if (!photo) report.append(h('li', { class: 'warn' }, t('desk-import-no-photo', { id })));
    } catch (e) {
      failed++;
      const [title, why] = refusal(e);
      report.append(h('li', { class: 'error' }, t('desk-import-refused', { id, title, error: why })));
    }
    bar.value = i + 1;
    say(status, t('desk-import-progress', { done: i + 1, rows: rows.length, ok, failed }));
  }
  say(status, t('desk-import-done', { ok, rows: rows.length, failed }), failed ? 'error' : 'ok');
  await search();
}

// ---- sittings --------------------------------------------------------------------------------

function renderSittings(list) {
  const admin = role === 'admin';
  $('#sitting-form').hidden = !admin;
  $('#sitting-note').textContent = admin ? '' : t('desk-sittings-admin-only');
  const recent = [...list].sort((a, b) => b.id - a.id).slice(0, 8);
  $('#sitting-list').replaceChildren(...recent.map((s) => h('li', { class: s.status },
    h('span', { class: 'name' }, s.name),
    h('span', { class: `badge ${s.status === 'open' ? 'ok' : ''}` }, t('sitting-status', { status: s.status })),
    h('span', { class: 'muted' }, t('desk-sitting-rule', quorumArgs(s))),
    s.status !== 'draft' ? h('a', { href: `/report?sitting=${s.id}`, target: '_blank', rel: 'noopener' }, t('desk-report')) : null,
    admin && s.status === 'draft' ? h('button', { type: 'button', onclick: () => sittingAction(s.id, 'open') }, t('desk-open')) : null,
    admin && s.status === 'open' ? h('button', { type: 'button', class: 'secondary', onclick: () => sittingAction(s.id, 'close') }, t('desk-close')) : null)));
}

async function sittingAction(id, action) {
  try {
    await api('POST', `/sittings/${id}/${action}`);
    say($('#sitting-message'), t(action === 'open' ? 'desk-sitting-opened' : 'desk-sitting-closed'), 'ok');
  } catch (e) {
    say($('#sitting-message'), errorText(e), 'error');
  }
  await loadSittingState();
  renderCheckinState();
  await search();
}

async function createSitting(ev) {
  ev.preventDefault();
  try {
    await api('POST', '/sittings', {
      name: $('#sitting-name').value.trim(),
      quorum: {
        numerator: Number($('#sitting-num').value),
        denominator: Number($('#sitting-den').value),
        rule: $('#sitting-rule').value,
        basis: $('#sitting-basis').value,
      },
    });
    $('#sitting-name').value = '';
    say($('#sitting-message'), t('desk-sitting-created'), 'ok');
  } catch (e) {
    say($('#sitting-message'), errorText(e), 'error');
  }
  await loadSittingState();
}

// ---- tokens (admins) ------------------------------------------------------------------------

const when = (ms) => (ms ? fmtShortDateTime(ms) : '-');

async function loadTokens() {
  const list = await api('GET', '/tokens');
  $('#token-list').replaceChildren(...list.map((tk) => h('li', { class: tk.active ? 'open' : 'closed' },
    h('span', { class: 'name' }, tk.name),
    h('span', { class: `badge ${tk.active ? 'ok' : ''}` }, tk.active ? t('role-name', { role: tk.role })
      : t(tk.revoked_at ? 'desk-token-revoked' : 'desk-token-expired')),
    tk.direction ? h('span', { class: 'badge' }, t('door-name', { door: tk.direction })) : null,
    h('span', { class: 'muted' }, tk.expires_at
      ? t('desk-token-used-expires', { used: when(tk.last_used_at), expires: when(tk.expires_at) })
      : t('desk-token-used', { used: when(tk.last_used_at) })),
    tk.active ? h('button', { type: 'button', class: 'secondary', onclick: () => revokeToken(tk) }, t('desk-revoke')) : null)));
}

async function revokeToken(tk) {
  try {
    await api('DELETE', `/tokens/${tk.id}`);
    say($('#token-message'), t('desk-token-revoked-now', { name: tk.name }), 'ok');
  } catch (e) {
    say($('#token-message'), errorText(e), 'error');
  }
  await loadTokens();
}

async function createToken(ev) {
  ev.preventDefault();
  const days = Number($('#token-days').value);
  try {
    const created = await api('POST', '/tokens', {
      name: $('#token-name').value.trim(),
      role: $('#token-role').value,
      direction: $('#token-role').value === 'kiosk' ? $('#token-direction').value : null,
      expires_at: days > 0 ? Date.now() + days * 86400000 : null,
    });
    $('#token-name').value = '';
    // The secret exists in this answer only: shown once, never stored by the page.
    const secret = $('#token-secret');
    secret.replaceChildren(t('desk-token-secret'), ' ', h('code', {}, created.token));
    secret.hidden = false;
    say($('#token-message'), t('desk-token-created', {
      name: created.info.name, role: t('role-name', { role: created.info.role }) }), 'ok');
  } catch (e) {
    say($('#token-message'), errorText(e), 'error');
  }
  await loadTokens();
}

startPage({
  roles: ['staff', 'admin'],
  intro: 'login-desk',
  start: async (session) => {
    role = session.role;
    $('#search-form').addEventListener('submit', (ev) => { ev.preventDefault(); search(); });
    $('#add-form').addEventListener('submit', addDelegate);
    $('#photo-file').addEventListener('change', (ev) => {
      const f = ev.target.files[0];
      ev.target.value = '';
      if (f) enrolPhoto(f, 'file');
    });
    $('#camera-start').addEventListener('click', startCamera);
    $('#camera-stop').addEventListener('click', stopCamera);
    $('#capture').addEventListener('click', capture);
    $('#checkin-form').addEventListener('submit', manualCheckin);
    $('#undo-btn').addEventListener('click', undoCheckin);
    $('#out-btn').addEventListener('click', markOut);
    $('#import-form').addEventListener('submit', bulkImport);
    $('#sitting-form').addEventListener('submit', createSitting);
    if (role === 'admin') {
      $('#tokens').hidden = false;
      $('#token-form').addEventListener('submit', createToken);
      $('#token-role').addEventListener('change', () => {
        $('#token-direction').disabled = $('#token-role').value !== 'kiosk';
      });
      await loadTokens();
    }
    await loadThreshold();
    await loadSittingState();
    await search();
    // Kiosk check-ins change who is present: keep the list current without a reload.
    setInterval(async () => {
      try {
        await loadSittingState();
        renderCheckinState();
      } catch { /* offline for a moment; the next round retries */ }
    }, 10000);
  },
});
