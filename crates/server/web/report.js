// A sitting's attendance report, for the record: a page with print CSS that a browser prints or
// saves as PDF. The sitting, its quorum rule and basis, the roll by delegation (who was present,
// how and when), amendments, passages out of and back into the hall, roll calls, and the audit
// chain's head. Names, counts and times only: no photos.
import { $, h, api, startPage, ApiError, download, errorText, quorumArgs } from '/assets/common.js';
import { t, lang, fmtDateTime as fmt, fmtNumber } from '/assets/i18n.js';

const how = (method) => t('report-method', { method });

function ruleText(s, att) {
  return t('report-rule', {
    ...quorumArgs(s),
    eligible: att.eligible,
    required: att.required,
    present: att.present,
    reached: att.quorum_reached ? 'yes' : 'no',
    open: s.status === 'open' ? 'yes' : 'no',
  });
}

function facts(s, att) {
  const rows = [
    [t('report-status'), t('sitting-status', { status: s.status })],
    [t('report-opened'), fmt(s.opened_at) || t('report-not-opened')],
    [t('report-closed'), fmt(s.closed_at) || (s.status === 'open' ? t('report-still-open') : '')],
    [t('report-col-eligible'), fmtNumber(att.eligible)],
    [t('report-col-checked-in'), fmtNumber(att.checked_in)],
    [t('report-col-in-hall'), s.status === 'closed'
      ? t('report-in-hall-at-closing', { count: att.in_hall }) : fmtNumber(att.in_hall)],
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
        h('td', {}, d.delegation), h('td', {}, c.full_name || t('report-erased', { id: String(c.delegate_id) })),
        h('td', { class: 'yes' }, t('report-present')), h('td', {}, how(c.method)),
        h('td', {}, fmt(c.checked_in_at)), h('td', {}, t(c.in_hall ? 'yes' : 'no'))));
    }
    for (const m of d.missing) {
      rows.push(h('tr', { class: 'absent' },
        h('td', {}, d.delegation), h('td', {}, m.full_name),
        h('td', { class: 'no' }, t('report-absent')), h('td', {}), h('td', {}), h('td', {})));
    }
  }
  return rows;
}

async function render(id) {
  const msg = $('#report-message');
  $('#report').hidden = true;
  msg.textContent = t('report-loading');
  const s = (await api('GET', '/sittings')).find((x) => x.id === id);
  if (!s) {
    msg.textContent = t('report-no-such-sitting');
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
    h('td', {}, t('report-amendment', { action: a.action })),
    h('td', {}, a.reason), h('td', {}, a.actor), h('td', {}, fmt(a.at)))));
  $('#r-movements-section').hidden = movements.length === 0;
  $('#r-movements').replaceChildren(...movements.map((m) => h('tr', {},
    h('td', {}, names.get(m.delegate_id) || `#${m.delegate_id}`),
    h('td', {}, t('report-direction', { direction: m.direction })),
    h('td', {}, how(m.method)), h('td', {}, fmt(m.at)))));
  $('#r-no-roll-calls').hidden = rollCalls.length > 0;
  $('#r-roll-calls').replaceChildren(...rollCalls.map((r) => h('tr', {},
    h('td', {}, r.id), h('td', {}, fmt(r.taken_at)), h('td', {}, r.present), h('td', {}, r.eligible),
    h('td', {}, r.required), h('td', {}, t('report-reached', { reached: r.quorum_reached ? 'yes' : 'no' })),
    h('td', { class: 'hash' }, `${r.audit_head.seq}:${r.audit_head.hash}`))));
  $('#r-audit').textContent = head
    ? t('report-audit-head', { head: `${head.seq}:${head.hash}` })
    : t('report-audit-hidden');
  $('#r-footer').textContent = t('report-footer', { time: fmt(Date.now()) });
  msg.textContent = '';
  $('#report').hidden = false;
}

startPage({
  roles: ['presidium', 'staff', 'admin'],
  intro: 'login-report',
  start: async () => {
    const list = await api('GET', '/sittings');
    const select = $('#report-sitting');
    select.replaceChildren(...list.filter((s) => s.status !== 'draft')
      .map((s) => h('option', { value: s.id }, t('report-sitting-option', {
        name: s.name, status: t('sitting-status', { status: s.status }) }))));
    const wanted = Number(new URLSearchParams(location.search).get('sitting'));
    if (wanted) select.value = String(wanted);
    const show = () => render(Number(select.value)).catch((e) => {
      $('#report-message').textContent = t('report-failed', { error: errorText(e) });
    });
    // The attendance files, with their column headers in the page's language.
    const file = (ext) => download(`/sittings/${select.value}/attendance.${ext}?lang=${lang}`,
      `attendance-${select.value}-${lang}.${ext}`).catch((e) => {
      $('#report-message').textContent = t('report-failed', { error: errorText(e) });
    });
    $('#attendance-csv').addEventListener('click', () => file('csv'));
    $('#attendance-xlsx').addEventListener('click', () => file('xlsx'));
    $('#report-files').hidden = !select.value;
    select.addEventListener('change', () => {
      history.replaceState(null, '', `?sitting=${select.value}`);
      show();
    });
    $('#print').addEventListener('click', () => window.print());
    if (select.value) show();
    else $('#report-message').textContent = t('report-no-sittings');
  },
});
