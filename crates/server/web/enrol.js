// Staff enrolment desk: find or add delegates, enrol photos (file or camera) through the server's
// quality gate, check people in by hand with a reason, bulk import, and (admins) run sittings.
import { $, h, api, startPage, fmtTime, sleep, ApiError, subscribe, alertItem } from '/assets/common.js';

const SHOWN = 200;
let role = null;
let openSitting = null;
// Delegates checked in to the open sitting: id -> in the hall now.
let present = new Map();
let selected = null;
let stream = null;

const REASONS = {
  no_face: 'No face found',
  multiple_faces: 'More than one face',
  face_too_small: 'The face is too small',
  blurry: 'The photo is blurred',
  not_frontal: 'The face is turned away',
  duplicate_of: 'Already enrolled as someone else',
  invalid_image: 'Not a readable image',
  payload_too_large: 'The file is too large',
  busy: 'The server is busy',
};

function say(el, text, kind = '') {
  el.textContent = text;
  el.className = kind;
}

function errorText(e) {
  return e instanceof ApiError ? e.message : String(e);
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
    ? `Open sitting: ${openSitting.name}`
    : 'No sitting is open';
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
    ? `All ${expected} delegates on the roll have arrived.`
    : `${missing} of ${expected} delegates on the roll have not arrived.`;
  $('#expected').replaceChildren(...list.filter((d) => d.missing.length > 0).map((d) =>
    h('details', { class: 'expected-delegation', open: true },
      h('summary', {}, `${d.delegation}: ${d.missing.length} of ${d.expected} not arrived`),
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
      ? h('span', { class: 'badge ok' }, `enrolled (${d.photos})`)
      : h('span', { class: 'badge warn' }, 'no photo')),
    h('td', {}, present.has(d.id)
      ? (present.get(d.id) ? h('span', { class: 'badge ok' }, 'present') : h('span', { class: 'badge' }, 'left the hall'))
      : '')));
  $('#delegates tbody').replaceChildren(...rows);
  $('#list-note').textContent = list.length > SHOWN
    ? `${list.length} delegates match; showing the first ${SHOWN}. Refine the search.`
    : `${list.length} delegate${list.length === 1 ? '' : 's'}`;
}

async function select(id) {
  const d = await api('GET', `/delegates/${id}`);
  selected = d;
  $('#pick-hint').hidden = true;
  $('#person').hidden = false;
  $('#p-name').textContent = d.full_name;
  $('#p-meta').textContent = `${d.external_id} · ${d.delegation} · ${d.eligible ? 'eligible' : 'not eligible (does not count toward quorum)'}`;
  $('#p-status').replaceChildren(d.photos > 0
    ? h('span', { class: 'badge ok' }, `Enrolled: ${d.photos} photo${d.photos === 1 ? '' : 's'}`)
    : h('span', { class: 'badge warn' }, 'Not enrolled: no photo yet'));
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
    ? 'No sitting is open: check-ins are taken for the open sitting only.'
    : !here ? `Not checked in for “${openSitting.name}”.`
      : inHall ? `Checked in for “${openSitting.name}”, in the hall.`
        : `Checked in for “${openSitting.name}”, has left the hall.`;
  // Someone who left comes back in through the same button.
  $('#checkin-btn').disabled = !openSitting || inHall;
  $('#checkin-btn').textContent = here && !inHall ? 'Back in by hand' : 'Check in by hand';
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
    say(msg, `Added ${d.full_name}. Now enrol a photo.`, 'ok');
    $('#add-form').reset();
    $('#search').value = d.external_id;
    await search();
    await select(d.id);
  } catch (e) {
    say(msg, e.status === 409 ? 'That external ID is already taken.' : errorText(e), 'error');
  }
}

// ---- photos ----------------------------------------------------------------------------------

async function enrolPhoto(blob) {
  if (!selected) return;
  const verdict = $('#verdict');
  say(verdict, 'Checking the photo…', 'pending');
  try {
    const r = await api('POST', `/delegates/${selected.id}/photos`, blob);
    const q = r.quality || {};
    await select(selected.id);
    verdict.replaceChildren(
      h('strong', {}, 'Accepted: the photo is enrolled.'),
      h('span', { class: 'muted' },
        ` Eyes ${Math.round(q.inter_eye || 0)} px apart, sharpness ${(q.sharpness || 0).toFixed(0)}, frontal ${(q.frontal || 0).toFixed(2)}.`));
    verdict.className = 'verdict ok';
    await search();
  } catch (e) {
    let title = REASONS[e.code] || 'Refused';
    if (e.code === 'duplicate_of' && e.detail && e.detail.delegate) {
      title = `Duplicate of ${e.detail.delegate.full_name}`;
    }
    verdict.replaceChildren(h('strong', {}, `${title}.`), ' ', h('span', {}, e.message));
    verdict.className = 'verdict error';
  }
}

async function startCamera() {
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: false });
  } catch (e) {
    say($('#verdict'), `The camera cannot be opened: ${e.message}`, 'verdict error');
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
  c.toBlob((b) => b && enrolPhoto(b), 'image/jpeg', 0.92);
}

// ---- manual check-in ------------------------------------------------------------------------

async function manualCheckin(ev) {
  ev.preventDefault();
  const reason = $('#reason').value.trim();
  const msg = $('#checkin-message');
  if (!reason) return say(msg, 'A manual check-in needs a reason.', 'error');
  try {
    const a = await api('POST', `/sittings/${openSitting.id}/checkins`, { delegate_id: selected.id, reason });
    present.set(selected.id, true);
    $('#reason').value = '';
    say(msg, a.status === 'returned' ? `${selected.full_name} is back in the hall.` : `${selected.full_name} is checked in.`, 'ok');
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
  if (!reason) return say(msg, 'Marking a delegate out needs a reason.', 'error');
  try {
    await api('POST', `/sittings/${openSitting.id}/checkouts`, { delegate_id: selected.id, reason });
    present.set(selected.id, false);
    $('#reason').value = '';
    say(msg, `${selected.full_name} has left the hall (still checked in for the record).`, 'ok');
  } catch (e) {
    say(msg, errorText(e), 'error');
  }
  renderCheckinState();
  await search();
}

async function undoCheckin() {
  const reason = $('#reason').value.trim();
  const msg = $('#checkin-message');
  if (!reason) return say(msg, 'A correction needs a reason.', 'error');
  try {
    await api('DELETE', `/sittings/${openSitting.id}/checkins/${selected.id}?reason=${encodeURIComponent(reason)}`);
    present.delete(selected.id);
    $('#reason').value = '';
    loadExpectedSoon();
    say(msg, `${selected.full_name}'s check-in was removed.`, 'ok');
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
  if (!file) return say(status, 'Choose a CSV file.', 'error');
  const rows = parseCsv(await file.text());
  const header = (rows.shift() || []).map((x) => x.toLowerCase());
  const col = (n) => header.indexOf(n);
  const [ext, name, del, elig] = ['external_id', 'full_name', 'delegation', 'eligible'].map(col);
  if (ext < 0 || name < 0 || del < 0) {
    return say(status, 'The CSV header needs external_id, full_name and delegation.', 'error');
  }
  const photos = new Map();
  for (const f of $('#import-photos').files) photos.set(f.name.replace(/\.[^.]+$/, ''), f);
  bar.hidden = false;
  bar.max = rows.length;
  bar.value = 0;
  let ok = 0;
  let failed = 0;
  for (const [i, r] of rows.entries()) {
    const id = r[ext] || `(row ${i + 2})`;
    try {
      const eligible = elig < 0 || !['0', 'false', 'no', 'n'].includes((r[elig] || '').toLowerCase());
      const d = await findOrCreate(r[ext], r[name], r[del], eligible);
      const photo = photos.get(r[ext]);
      if (photo) await patiently(() => api('POST', `/delegates/${d.id}/photos`, photo));
      ok++;
      if (!photo) report.append(h('li', { class: 'warn' }, `${id}: added without a photo`));
    } catch (e) {
      failed++;
      const detail = e.code === 'duplicate_of' && e.detail ? ` (${e.detail.delegate.full_name})` : '';
      report.append(h('li', { class: 'error' }, `${id}: ${REASONS[e.code] || e.code}${detail}: ${e.message}`));
    }
    bar.value = i + 1;
    say(status, `${i + 1} of ${rows.length} rows: ${ok} imported, ${failed} refused`);
  }
  say(status, `Done: ${ok} of ${rows.length} rows imported, ${failed} refused.`, failed ? 'error' : 'ok');
  await search();
}

// ---- sittings --------------------------------------------------------------------------------

function renderSittings(list) {
  const admin = role === 'admin';
  $('#sitting-form').hidden = !admin;
  $('#sitting-note').textContent = admin ? '' : 'Only an admin can create, open or close a sitting.';
  const recent = [...list].sort((a, b) => b.id - a.id).slice(0, 8);
  $('#sitting-list').replaceChildren(...recent.map((s) => h('li', { class: s.status },
    h('span', { class: 'name' }, s.name),
    h('span', { class: `badge ${s.status === 'open' ? 'ok' : ''}` }, s.status),
    h('span', { class: 'muted' }, `${s.quorum_rule === 'more_than' ? '>' : '≥'} ${s.quorum_numerator}/${s.quorum_denominator}${s.quorum_basis === 'in_hall' ? ' in the hall' : ''}`),
    s.status !== 'draft' ? h('a', { href: `/report?sitting=${s.id}`, target: '_blank', rel: 'noopener' }, 'Report') : null,
    admin && s.status === 'draft' ? h('button', { type: 'button', onclick: () => sittingAction(s.id, 'open') }, 'Open') : null,
    admin && s.status === 'open' ? h('button', { type: 'button', class: 'secondary', onclick: () => sittingAction(s.id, 'close') }, 'Close') : null)));
}

async function sittingAction(id, action) {
  try {
    await api('POST', `/sittings/${id}/${action}`);
    say($('#sitting-message'), action === 'open' ? 'The sitting is open.' : 'The sitting is closed.', 'ok');
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
    say($('#sitting-message'), 'Sitting created; open it when the session starts.', 'ok');
  } catch (e) {
    say($('#sitting-message'), errorText(e), 'error');
  }
  await loadSittingState();
}

// ---- tokens (admins) ------------------------------------------------------------------------

function when(ms) {
  return ms ? new Date(ms).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' }) : '-';
}

async function loadTokens() {
  const list = await api('GET', '/tokens');
  $('#token-list').replaceChildren(...list.map((t) => h('li', { class: t.active ? 'open' : 'closed' },
    h('span', { class: 'name' }, t.name),
    h('span', { class: `badge ${t.active ? 'ok' : ''}` }, t.active ? t.role : (t.revoked_at ? 'revoked' : 'expired')),
    t.direction ? h('span', { class: 'badge' }, t.direction) : null,
    h('span', { class: 'muted' }, `last used ${when(t.last_used_at)}${t.expires_at ? `, expires ${when(t.expires_at)}` : ''}`),
    t.active ? h('button', { type: 'button', class: 'secondary', onclick: () => revokeToken(t) }, 'Revoke') : null)));
}

async function revokeToken(t) {
  try {
    await api('DELETE', `/tokens/${t.id}`);
    say($('#token-message'), `"${t.name}" is revoked: it stops working now.`, 'ok');
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
    secret.replaceChildren('New token (copy it now; it is not shown again): ', h('code', {}, created.token));
    secret.hidden = false;
    say($('#token-message'), `Token "${created.info.name}" created for the role ${created.info.role}.`, 'ok');
  } catch (e) {
    say($('#token-message'), errorText(e), 'error');
  }
  await loadTokens();
}

startPage({
  roles: ['staff', 'admin'],
  pageName: 'enrolment desk',
  start: async (session) => {
    role = session.role;
    $('#search-form').addEventListener('submit', (ev) => { ev.preventDefault(); search(); });
    $('#add-form').addEventListener('submit', addDelegate);
    $('#photo-file').addEventListener('change', (ev) => {
      const f = ev.target.files[0];
      ev.target.value = '';
      if (f) enrolPhoto(f);
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
