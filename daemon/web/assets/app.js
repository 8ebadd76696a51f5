/* duban console: one script for every page (no inline script: the CSP forbids it). Reads the
 * JSON API, builds the page with DOM calls only (text is never parsed as HTML), and sends every
 * write with the session's CSRF token. */
'use strict';

const L = {
  status: { rectifying: '整改中', applied: '已申请验收', publicizing: '公示中', closed: '已销号' },
  level: { central: '中央', provincial: '省级', municipal: '市级', district: '区级' },
  stage: { prompt: '提示', warn: '警示', supervise: '督办', interview: '约谈' },
  kind: { town: '镇', street: '街道', park: '园区', department: '部门', office: '整改办', leadership: '领导小组' },
  role: { office: '整改办', leader: '领导', unit: '单位' },
  notice: { pending: '待发送', sent: '已送达', dead: '发送失败' },
  type: { escalation: '督办提醒', acceptance: '验收提醒', closed: '销号', reminder: '报送提醒', missed: '未报送',
    bulletin: '通报', deduction: '扣分', sample: '回头看', applied: '申请验收', rejected: '验收不通过',
    objected: '公示异议', publicity: '公示', reopened: '重新整改', test: '测试' },
  action: { progress: '报送进展', apply: '申请验收', accept: '验收通过', reject: '验收不通过', object: '公示异议',
    create: '录入', import: '导入', update: '修改', reopen: '重新整改', milestone: '阶段性目标', close: '销号',
    ladder: '督办升级', escalate: '督办升级', 'progress-note': '进展' },
  field: { status: '状态', progress: '进度', deadline: '整改时限', applied_on: '申请验收日期', accepted_on: '验收日期',
    closed_on: '销号日期', title: '问题', unit: '主体责任单位', supervisors: '监管责任单位', level: '层级', source: '来源',
    location: '地址', measures: '整改措施', target: '整改目标', long_term: '长期', due: '到期', stage: '阶段', cycle: '次数',
    note: '说明', percent: '进度', reason: '理由', on: '日期', contact: '责任人' },
};
const label = (map, v) => (v == null ? '' : map[v] || v);

let session = null;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  return e;
}

function showError(msg) {
  const e = document.getElementById('error');
  if (!e) return;
  e.textContent = msg;
  e.hidden = !msg;
}

async function api(path, options) {
  const opts = Object.assign({ credentials: 'same-origin', headers: {} }, options || {});
  if (opts.method === 'POST') {
    opts.headers['X-CSRF-Token'] = session ? session.csrf : '';
    opts.headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(path, opts);
  if (r.status === 401) { location.href = '/login'; throw new Error('请先登录'); }
  const text = await r.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
  if (!r.ok) throw new Error((body && body.message) || ('HTTP ' + r.status));
  return { body, headers: r.headers };
}

function fillRows(tbody, rows, cells) {
  tbody.replaceChildren(...rows.map(r => el('tr', {}, ...cells(r).map(c => el('td', {}, c)))));
  if (rows.length === 0) tbody.append(el('tr', {}, el('td', { colspan: '20', class: 'empty' }, '无')));
}

/* A history detail as words: "field: before → after", then the other keys. */
function detailText(d) {
  if (!d || typeof d !== 'object') return '';
  const show = v => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const name = k => label(L.field, k);
  const parts = [];
  if (d.changes) for (const [k, c] of Object.entries(d.changes))
    parts.push(name(k) + ':' + (k === 'status' ? label(L.status, c.before) : show(c.before)) + ' → ' +
      (k === 'status' ? label(L.status, c.after) : show(c.after)));
  if (d.after) parts.push('录入:' + Object.entries(d.after).filter(([k]) => k !== 'ref').map(([k, v]) =>
    name(k) + ' ' + (k === 'status' ? label(L.status, v) : k === 'level' ? label(L.level, v) : show(v))).join(',') );
  for (const [k, v] of Object.entries(d)) if (k !== 'changes' && k !== 'after')
    parts.push(name(k) + ' ' + (k === 'stage' ? label(L.stage, v) : show(v)));
  return parts.join(';');
}

function problemLink(ref) { return el('a', { href: '/problems/' + encodeURIComponent(ref) }, ref); }

function bars(box, items) {
  const max = Math.max(1, ...items.map(i => i.value));
  box.replaceChildren(...items.map(i => {
    const bar = el('span', { class: 'bar' + (i.cls ? ' ' + i.cls : '') });
    bar.style.width = Math.max(2, 100 * i.value / max) + '%';
    return el('div', { class: 'bar-row' }, el('span', { class: 'bar-label' }, i.label), el('span', { class: 'bar-track' }, bar),
      el('span', { class: 'bar-value' }, String(i.value)));
  }));
  if (items.length === 0) box.append(el('p', { class: 'empty' }, '无'));
}

/* ---- pages ---- */

async function pageIndex() {
  const d = (await api('/api/dashboard')).body;
  const cards = document.getElementById('status-cards');
  cards.replaceChildren(...['rectifying', 'applied', 'publicizing', 'closed'].map(s =>
    el('a', { class: 'card', href: '/ledger?status=' + s }, el('span', { class: 'n' }, String(d.by_status[s] || 0)), el('span', {}, L.status[s]))),
  el('a', { class: 'card late', href: '/ledger?overdue=1' }, el('span', { class: 'n' }, String(d.overdue_total)), el('span', {}, '逾期')));
  fillRows(document.querySelector('#by-level tbody'), d.by_level, r => [label(L.level, r.level), r.open, r.closed]);
  bars(document.getElementById('overdue-chart'), d.overdue_by_unit.map(u => ({ label: u.name, value: u.overdue, cls: 'late' })));
  fillRows(document.querySelector('#due-soon tbody'), d.due_soon, r => [problemLink(r.ref), r.title, r.unit_name, r.due, r.progress + '%']);
  const reports = (await api('/api/reports')).body;
  fillRows(document.querySelector('#duties tbody'), reports.duties, r => [dutyLabel(r), r.period, r.due,
    r.submitted + ' / ' + r.obliged + (r.late ? '(迟报 ' + r.late + ')' : ''), missingText(r.missing)]);
}

/* A duty's schedule, with a download of the table it sends on the due day (schedule add --table). */
function dutyLabel(r) {
  if (!r.table) return r.label;
  return el('span', {}, r.label + ' ', el('a', { href: '/api/export/' + encodeURIComponent(r.table) + '?format=xlsx' }, '报表'));
}

/* The units that owe a report: "名称" or, for monthly dispatch, "名称(编号、编号)". */
function missingText(units) {
  if (units.length === 0) return '无';
  return units.map(u => u.name + (u.problems ? '(' + u.problems.join('、') + ')' : '')).join('、');
}

const ledgerState = { after: null, pages: [] };

function ledgerParams() {
  const f = new FormData(document.getElementById('filters'));
  const p = new URLSearchParams();
  for (const [k, v] of f.entries()) if (v) p.set(k, v);
  const u = new URLSearchParams(location.search);
  for (const k of ['sort', 'order']) if (u.get(k)) p.set(k, u.get(k));
  return p;
}

async function loadLedger(after) {
  const p = ledgerParams();
  p.set('limit', '50');
  if (after) p.set('after', after);
  const r = await api('/api/problems?' + p.toString());
  fillRows(document.querySelector('#ledger tbody'), r.body, x => [problemLink(x.ref), x.title, label(L.level, x.level), x.unit_name,
    x.deadline, x.due || '', x.progress + '%', el('span', { class: 'st ' + x.status + (x.overdue ? ' late' : '') },
      label(L.status, x.status) + (x.overdue ? '·逾期' : '') + (x.stage && x.status === 'rectifying' ? '·' + label(L.stage, x.stage) : '')), (x.updated_at || '').slice(0, 10)]);
  const ex = new URLSearchParams();
  for (const k of ['status', 'unit']) if (p.get(k)) ex.set(k, p.get(k));
  ex.delete('status');
  ex.set('format', 'xlsx');
  document.getElementById('export').href = '/api/export/ledger?' + ex.toString();
  ledgerState.after = r.headers.get('X-Next-After');
  document.getElementById('next').disabled = !ledgerState.after;
  document.getElementById('page-info').textContent = '第 ' + (ledgerState.pages.length + 1) + ' 页';
}

async function pageLedger() {
  const form = document.getElementById('filters');
  const u = new URLSearchParams(location.search);
  for (const [k, v] of u.entries()) {
    const f = form.elements.namedItem(k);
    if (f && f.type === 'checkbox') f.checked = v === '1'; else if (f) f.value = v;
  }
  const units = (await api('/api/units')).body;
  const sel = document.getElementById('unit-filter');
  for (const x of units) sel.append(el('option', { value: x.code }, x.name));
  if (u.get('unit')) sel.value = u.get('unit');
  form.addEventListener('submit', e => {
    e.preventDefault();
    const p = ledgerParams();
    history.replaceState(null, '', '/ledger?' + p.toString());
    ledgerState.pages = [];
    loadLedger(null).catch(err => showError(err.message));
  });
  for (const b of document.querySelectorAll('button.sort')) {
    b.addEventListener('click', () => {
      const q = new URLSearchParams(location.search);
      const same = q.get('sort') === b.dataset.sort;
      q.set('sort', b.dataset.sort);
      q.set('order', same && q.get('order') !== 'desc' ? 'desc' : 'asc');
      history.replaceState(null, '', '/ledger?' + q.toString());
      ledgerState.pages = [];
      loadLedger(null).catch(err => showError(err.message));
    });
  }
  document.getElementById('next').addEventListener('click', () => {
    ledgerState.pages.push(ledgerState.after);
    loadLedger(ledgerState.after).catch(err => showError(err.message));
  });
  document.getElementById('first').addEventListener('click', () => {
    ledgerState.pages = [];
    loadLedger(null).catch(err => showError(err.message));
  });
  await loadLedger(null);
}

function field(dl, name, value) {
  if (value === null || value === undefined || value === '') return;
  dl.append(el('dt', {}, name), el('dd', {}, value));
}

function actionForm(ref, action, after) {
  const f = el('form', { class: 'action', 'data-action': action });
  if (action === 'progress') {
    f.append(el('label', {}, '进度(%) ', el('input', { name: 'percent', type: 'number', min: '0', max: '100', required: 'required' })),
      el('label', {}, '进展说明 ', el('input', { name: 'note', maxlength: '2000' })));
  } else if (action === 'reject' || action === 'object') {
    f.append(el('label', {}, '理由 ', el('input', { name: 'reason', required: 'required', maxlength: '2000' })));
  }
  f.append(el('button', { type: 'submit' }, label(L.action, action)));
  f.addEventListener('submit', async e => {
    e.preventDefault();
    const data = new FormData(f);
    const body = {};
    if (action === 'progress') { body.percent = Number(data.get('percent')); body.note = data.get('note') || ''; }
    if (data.get('reason')) body.reason = data.get('reason');
    try {
      await api('/api/problems/' + encodeURIComponent(ref) + '/' + action, { method: 'POST', body: JSON.stringify(body) });
      const ok = document.getElementById('action-result');
      ok.textContent = label(L.action, action) + ':已完成';
      ok.hidden = false;
      showError('');
      await after();
    } catch (err) { showError(err.message); }
  });
  return f;
}

async function pageProblem() {
  const ref = decodeURIComponent(location.pathname.slice('/problems/'.length));
  const load = async () => {
    const p = (await api('/api/problems/' + encodeURIComponent(ref))).body;
    document.title = p.ref + ' · 生态环境问题整改督办';
    document.getElementById('title').textContent = p.ref + ' ' + p.title;
    const dl = document.getElementById('fields');
    dl.replaceChildren();
    field(dl, '状态', label(L.status, p.status) + (p.overdue ? '(逾期)' : '') + (p.stage && p.status === 'rectifying' ? ' · ' + label(L.stage, p.stage) : ''));
    field(dl, '整改进度', p.progress + '%');
    field(dl, '层级', label(L.level, p.level));
    field(dl, '问题来源', p.source);
    field(dl, '类别', p.category);
    field(dl, '地址', p.location);
    field(dl, '主体责任单位', p.unit_name + '(' + p.unit + ')');
    field(dl, '监管责任单位', (p.supervisor_units || []).map(s => s.name + (s.lead ? '(牵头)' : '')).join('、'));
    field(dl, '整改时限', p.deadline);
    field(dl, '当前到期日(D)', p.due);
    field(dl, '长期整改', p.long_term ? '是' : '');
    field(dl, '整改措施', p.measures);
    field(dl, '整改目标', p.target);
    field(dl, '责任人', p.contact);
    field(dl, '申请验收日期', p.applied_on);
    field(dl, '验收通过日期', p.accepted_on);
    field(dl, '销号日期', p.closed_on);
    const box = document.getElementById('actions');
    box.replaceChildren(...(p.actions || []).map(a => actionForm(p.ref, a, load)));
    document.getElementById('actions-box').hidden = !(p.actions || []).length;
    fillRows(document.querySelector('#milestones tbody'), p.milestones, m => [m.due, m.target, m.done_on || '']);
    fillRows(document.querySelector('#notes tbody'), p.progress_notes || [], n => [n.on_date, n.percent + '%', n.note, n.actor]);
    fillRows(document.querySelector('#history tbody'), p.history, h => [(h.at || '').replace('T', ' ').slice(0, 19), h.actor,
      label(L.action, h.action), detailText(h.detail)]);
    fillRows(document.querySelector('#notices tbody'), p.notices, n => [n.id, label(L.type, n.type) + (n.stage ? '·' + label(L.stage, n.stage) : ''),
      n.unit, n.kind || '', el('span', { class: 'ns ' + n.status }, label(L.notice, n.status)), n.attempts,
      (n.sent_at || '').replace('T', ' ').slice(0, 19), n.last_error || '']);
  };
  await load();
}

async function pageUnits() {
  const units = (await api('/api/units')).body;
  let ranks = {};
  try {
    const b = (await api('/api/bulletin')).body;
    for (const u of b.units || []) ranks[u.unit] = u;
    for (const u of b.none || []) ranks[u.unit] = { open: 0, overdue: 0 };
  } catch (e) { ranks = {}; }
  fillRows(document.querySelector('#units tbody'), units, u => [u.code, u.name, label(L.kind, u.kind), u.parent || '', u.channels,
    el('a', { href: '/ledger?unit=' + encodeURIComponent(u.code) }, ranks[u.code] ? '未销号 ' + ranks[u.code].open + ' · 逾期 ' + ranks[u.code].overdue : '查看')]);
}

async function loadBulletin(period) {
  const b = (await api('/api/bulletin' + (period ? '?period=' + encodeURIComponent(period) : ''))).body;
  const sel = document.getElementById('period');
  if (sel.options.length === 0) for (const p of b.periods) sel.append(el('option', { value: p }, p));
  sel.value = b.period;
  document.getElementById('bulletin').hidden = false;
  document.getElementById('bulletin-info').textContent = '期次 ' + b.period + ',' + (b.day || '') + ' 发布,统计至 ' + (b.as_of || '') + '。';
  const name = {};
  for (const u of b.units) name[u.unit] = u.name;
  document.getElementById('red').replaceChildren(...b.red.map(c => el('li', {}, name[c] || c)));
  document.getElementById('black').replaceChildren(...b.black.map(c => el('li', {}, name[c] || c)));
  const ranked = b.units.filter(u => u.open + u.closed > 0);
  bars(document.getElementById('index-chart'), ranked.map(u => ({ label: u.name, value: Number(u.index),
    cls: b.red.includes(u.unit) ? 'red' : b.black.includes(u.unit) ? 'late' : '' })));
  fillRows(document.querySelector('#ranking tbody'), b.units, u => [u.place != null ? u.place : u.rank, u.name, u.open, u.overdue, u.closed,
    u.rate == null ? '' : (100 * u.rate).toFixed(1) + '%', u.index]);
  fillRows(document.querySelector('#late tbody'), b.overdue_problems || [], p => [problemLink(p.ref), p.title, p.unit_name, p.due, p.days]);
}

async function pageBulletin() {
  document.getElementById('period').addEventListener('change', e => loadBulletin(e.target.value).catch(err => showError(err.message)));
  await loadBulletin(new URLSearchParams(location.search).get('period'));
}

function pageLogin() {
  const err = new URLSearchParams(location.search).get('error');
  const box = document.getElementById('login-error');
  if (err) {
    box.textContent = err === 'locked' ? '登录失败次数过多,该用户已锁定 15 分钟。' : '用户名或密码错误。';
    box.hidden = false;
  }
}

async function pageImport() {
  const form = document.getElementById('import-form');
  const file = document.getElementById('file');
  const confirmBtn = document.getElementById('confirm');
  const result = document.getElementById('import-result');
  const send = async dry => {
    const f = file.files[0];
    if (!f) throw new Error('请选择文件');
    const enc = document.getElementById('encoding').value;
    const q = new URLSearchParams();
    if (dry) q.set('dry_run', '1');
    if (enc) q.set('encoding', enc);
    const r = await fetch('/api/import?' + q.toString(), { method: 'POST', credentials: 'same-origin',
      headers: { 'X-CSRF-Token': session.csrf, 'Content-Type': 'application/octet-stream' }, body: f });
    const body = await r.json().catch(() => null);
    return { status: r.status, body };
  };
  const showErrors = list => {
    fillRows(document.querySelector('#import-errors tbody'), list, e => [e.line, e.column || '', e.message]);
    document.getElementById('errors-box').hidden = list.length === 0;
  };
  file.addEventListener('change', () => { confirmBtn.disabled = true; result.hidden = true; showErrors([]); });
  form.addEventListener('submit', async e => {
    e.preventDefault();
    showError(''); result.hidden = true; confirmBtn.disabled = true;
    try {
      const r = await send(true);
      if (r.status !== 200) throw new Error((r.body && r.body.message) || ('HTTP ' + r.status));
      showErrors(r.body);
      result.textContent = r.body.length ? '发现 ' + r.body.length + ' 处错误,请改正后重新检查。' : '检查通过,没有发现错误,可以确认导入。';
      result.className = r.body.length ? 'error' : 'ok';
      result.hidden = false;
      confirmBtn.disabled = r.body.length > 0;
    } catch (err) { showError(err.message); }
  });
  confirmBtn.addEventListener('click', async () => {
    showError(''); confirmBtn.disabled = true;
    try {
      const r = await send(false);
      if (r.status === 422) { showErrors(r.body.errors || []); throw new Error(r.body.message); }
      if (r.status !== 200) throw new Error((r.body && r.body.message) || ('HTTP ' + r.status));
      result.textContent = '已导入 ' + r.body.rows + ' 行:新增 ' + r.body.added + ',更新 ' + r.body.updated + ',未变 ' + r.body.unchanged + '。';
      result.className = 'ok';
      result.hidden = false;
    } catch (err) { showError(err.message); }
  });
}

const exportTables = [
  ['ledger', '台账', '全部问题,可重新导入'],
  ['attachment1', '附件1 自查表', '尚未办结问题整改进展情况'],
  ['attachment2', '附件2 汇总表', '各属地单位办理情况汇总,含合计'],
  ['bulletin', '通报排名', '所选期次的通报:名次、指数、红黑榜'],
  ['closure', '销号情况', '按层级和问题来源,含合计'],
];

async function pageExports() {
  const units = (await api('/api/units')).body;
  const us = document.getElementById('export-unit');
  for (const u of units) us.append(el('option', { value: u.code }, u.name));
  try {
    const b = (await api('/api/bulletin')).body;
    const ps = document.getElementById('export-period');
    for (const p of b.periods) ps.append(el('option', { value: p }, p));
  } catch (e) { /* no bulletin yet */ }
  const render = () => {
    const unit = us.value, period = document.getElementById('export-period').value;
    fillRows(document.querySelector('#exports tbody'), exportTables, ([t, name, what]) => {
      const q = new URLSearchParams();
      if (unit && t !== 'bulletin' && t !== 'closure') q.set('unit', unit);
      if (period && t === 'bulletin') q.set('period', period);
      const link = fmt => { const x = new URLSearchParams(q); x.set('format', fmt);
        return el('a', { href: '/api/export/' + t + '?' + x.toString(), download: t + '.' + fmt }, fmt === 'xlsx' ? 'Excel' : 'CSV'); };
      return [name, what, el('span', {}, link('xlsx'), ' · ', link('csv'))];
    });
  };
  document.getElementById('export-form').addEventListener('change', render);
  render();
}

const pages = { exports: pageExports, import: pageImport, index: pageIndex, ledger: pageLedger, problem: pageProblem, units: pageUnits, bulletin: pageBulletin };

async function main() {
  const page = document.body.dataset.page;
  if (page === 'login') return pageLogin();
  try {
    session = (await api('/api/session')).body;
    document.getElementById('who').textContent = session.name + '(' + label(L.role, session.role) + (session.unit ? ' · ' + session.unit : '') + ')';
    document.getElementById('logout-csrf').value = session.csrf;
    if (session.role === 'office') for (const a of document.querySelectorAll('.office-only')) a.hidden = false;
    const nav = document.querySelector('[data-nav="' + page + '"]');
    if (nav) nav.classList.add('here');
    await pages[page]();
    document.body.classList.add('ready');
  } catch (err) { showError(err.message); }
}

document.addEventListener('DOMContentLoaded', main);
