// A sitting's attendance report, for the record: a page with print CSS that a browser prints or
// saves as PDF. The sitting, its quorum rule and basis, the roll by delegation (who was present,
// how and when), amendments, passages out of and back into the hall, roll calls, and the audit
// chain's head. Names, counts and times only: no photos.
import { $, h, api, startPage, ApiError } from '/assets/common.js';

const fmt = (ms) => (ms ? new Date(ms).toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium' }) : '');

const how = (method) => ({ kiosk: 'kiosk', manual: 'desk', amendment: 'amendment' }[method] || method);

function ruleText(s, att) {
  const rule = s.quorum_rule === 'more_than' ? 'More than' : 'At least';
  const who = s.quorum_basis === 'in_hall' ? 'in the hall' : 'checked in';
  return `${rule} ${s.quorum_numerator}/${s.quorum_denominator} of the ${att.eligible} eligible delegates ` +
    `(${att.required} needed), counting delegates ${who}: ${att.present} counted, ` +
    `${att.quorum_reached ? 'quorum reached' : 'quorum not reached'}` +
    `${s.status === 'open' ? ' (so far: the sitting is still open)' : ''}.`;
}

function facts(s, att) {
  const rows = [
    ['Status', s.status],
    ['Opened', fmt(s.opened_at) || 'not opened'],
    ['Closed', fmt(s.closed_at) || (s.status === 'open' ? 'still open' : '')],
    ['Eligible', att.eligible],
    ['Checked in', att.checked_in],
    ['In the hall', s.status === 'closed' ? `${att.in_hall} at closing` : att.in_hall],
  ];
  return rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]);
}

/** One row per delegate on the roll: the present from the attendance, the absent from the list of
 *  those expected and not arrived; delegations and names in the server's (Vietnamese) order. */
function rollRows(att, expected) {
  const present = new Map(att.checkins.filter((c) => c.on_roll !== false).map((c) => [c.delegate_id, c]));
  const rows = [];
  for (const d of expected) {
    const here = [...present.values()].filter((c) => c.delegation === d.delegation);
    for (const c of here) {
      rows.push(h('tr', {},
        h('td', {}, d.delegation), h('td', {}, c.full_name || `#${c.delegate_id} (erased)`),
        h('td', { class: 'yes' }, 'present'), h('td', {}, how(c.method)),
        h('td', {}, fmt(c.checked_in_at)), h('td', {}, c.in_hall ? 'yes' : 'no')));
    }
    for (const m of d.missing) {
      rows.push(h('tr', { class: 'absent' },
        h('td', {}, d.delegation), h('td', {}, m.full_name),
        h('td', { class: 'no' }, 'absent'), h('td', {}), h('td', {}), h('td', {})));
    }
  }
  return rows;
}

async function render(id) {
  const msg = $('#report-message');
  $('#report').hidden = true;
  msg.textContent = 'Loading…';
  const s = (await api('GET', '/sittings')).find((x) => x.id === id);
  if (!s) {
    msg.textContent = 'No such sitting.';
    return;
  }
  const [att, expected, movements, rollCalls] = await Promise.all([
    api('GET', `/sittings/${id}/attendance`),
    api('GET', `/sittings/${id}/expected`),
    api('GET', `/sittings/${id}/movements`),
    api('GET', `/sittings/${id}/roll-calls`),
  ]);
  let head = null;
  try {
    head = await api('GET', '/audit/head');
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 403) throw e;
  }
  $('#r-name').textContent = s.name;
  $('#r-facts').replaceChildren(...facts(s, att));
  $('#r-quorum').textContent = ruleText(s, att);
  $('#r-roll').replaceChildren(...rollRows(att, expected));
  const names = new Map(att.checkins.map((c) => [c.delegate_id, c.full_name]));
  $('#r-amendments-section').hidden = att.amendments.length === 0;
  $('#r-amendments').replaceChildren(...att.amendments.map((a) => h('tr', {},
    h('td', {}, names.get(a.delegate_id) || `#${a.delegate_id}`),
    h('td', {}, a.action === 'add' ? 'counted present' : 'presence taken back'),
    h('td', {}, a.reason), h('td', {}, a.actor), h('td', {}, fmt(a.at)))));
  $('#r-movements-section').hidden = movements.length === 0;
  $('#r-movements').replaceChildren(...movements.map((m) => h('tr', {},
    h('td', {}, names.get(m.delegate_id) || `#${m.delegate_id}`),
    h('td', {}, m.direction === 'exit' ? 'left the hall' : 'came back in'),
    h('td', {}, how(m.method)), h('td', {}, fmt(m.at)))));
  $('#r-no-roll-calls').hidden = rollCalls.length > 0;
  $('#r-roll-calls').replaceChildren(...rollCalls.map((r) => h('tr', {},
    h('td', {}, r.id), h('td', {}, fmt(r.taken_at)), h('td', {}, r.present), h('td', {}, r.eligible),
    h('td', {}, r.required), h('td', {}, r.quorum_reached ? 'reached' : 'not reached'),
    h('td', { class: 'hash' }, `${r.audit_head.seq}:${r.audit_head.hash}`))));
  $('#r-audit').textContent = head
    ? `Head of the audit chain when this report was made: ${head.seq}:${head.hash}. ` +
      `Check later with: rollcall audit verify --head ${head.seq}:${head.hash}`
    : 'The audit chain head is shown to the presidium and admins.';
  $('#r-footer').textContent = `Report made ${fmt(Date.now())} by rollcall.`;
  msg.textContent = '';
  $('#report').hidden = false;
}

startPage({
  roles: ['presidium', 'staff', 'admin'],
  pageName: 'attendance report',
  start: async () => {
    const list = await api('GET', '/sittings');
    const select = $('#report-sitting');
    select.replaceChildren(...list.filter((s) => s.status !== 'draft')
      .map((s) => h('option', { value: s.id }, `${s.name} (${s.status})`)));
    const wanted = Number(new URLSearchParams(location.search).get('sitting'));
    if (wanted) select.value = String(wanted);
    const show = () => render(Number(select.value)).catch((e) => {
      $('#report-message').textContent = `The report could not be made: ${e.message}`;
    });
    select.addEventListener('change', () => {
      history.replaceState(null, '', `?sitting=${select.value}`);
      show();
    });
    $('#print').addEventListener('click', () => window.print());
    if (select.value) show();
    else $('#report-message').textContent = 'No sitting has been opened yet.';
  },
});
