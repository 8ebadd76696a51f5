// The console and the public page in a real browser: Playwright (playwright-core) driving
// Debian's chromium headless. Environment (set by tests/integration/web_browser.sh):
//   DWEB_URL, PUB_URL, WEB_PASSWORD, LATE_REF (an overdue problem of XJ led by SLJ),
//   SCREENSHOTS (optional: a directory for the README's screenshots).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('./node_modules/playwright-core');

const URL = process.env.DWEB_URL;
const PUB = process.env.PUB_URL;
const PW = process.env.WEB_PASSWORD;
const LATE = process.env.LATE_REF;
const SHOTS = process.env.SCREENSHOTS || '';
const LAPTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };

function check(cond, msg) {
  if (!cond) throw new Error('FAIL: ' + msg);
  console.log('ok - ' + msg);
}

async function shot(page, name) {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

async function newPage(ctx, viewport, problems) {
  const page = await ctx.newPage();
  await page.setViewportSize(viewport);
  page.on('console', m => { if (m.type() === 'error') problems.push('console: ' + m.text() + ' (' + m.location().url + ')'); });
  page.on('pageerror', e => problems.push('page error: ' + e.message));
  return page;
}

async function login(page, user) {
  await page.goto(URL + '/login');
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', PW);
  await Promise.all([page.waitForURL(URL + '/'), page.click('button[type=submit]')]);
  await page.waitForSelector('body.ready');
}

async function asOffice(browser, problems) {
  const ctx = browser;
  await ctx.clearCookies();
  const page = await newPage(ctx, LAPTOP, problems);
  await page.goto(URL + '/ledger');
  check(page.url().startsWith(URL + '/login'), 'a page without a session goes to the login form');
  await page.fill('input[name=user]', 'clerk');
  await page.fill('input[name=password]', 'wrong-password');
  await page.click('button[type=submit]');
  await page.waitForSelector('#login-error:not([hidden])');
  check((await page.textContent('#login-error')).includes('错误'), 'a wrong password is told in Chinese');
  await shot(page, 'login');
  await login(page, 'clerk');
  check((await page.textContent('#who')).includes('clerk'), 'the dashboard names the user');
  const cards = await page.textContent('#status-cards');
  check(cards.includes('整改中') && cards.includes('逾期'), 'the dashboard counts by status');
  check((await page.locator('#overdue-chart .bar-row').count()) >= 1, 'the overdue-by-unit chart has bars');
  await page.waitForSelector('#duties tbody tr td');
  const duties = await page.$$eval('#duties tbody tr', rows => rows.map(r => [...r.cells].map(c => c.textContent)));
  const qsi = duties.find(r => r[0] === '季度自查') || [];
  check(qsi[1] === '2026-Q1' && qsi[2] === '2026-03-10' && qsi[3] === '1 / 6',
    'this month\'s duties: the quarterly self-inspection due 2026-03-10, 1 of 6 units submitted');
  check(qsi[4].includes('河山镇') && qsi[4].includes('区水利局') && !qsi[4].includes('新街镇'),
    'the dashboard names the units that have not submitted');
  const dispatch = duties.find(r => r[0] === '每月调度') || [];
  check(dispatch[4] === '河山镇(SX-01、ZC-01)、新街镇(ZY-07、ZY-08)',
    'monthly dispatch names each unit\'s problems without a progress note this month');
  await shot(page, 'dashboard');

  await page.click('nav a[href="/ledger"]');
  await page.waitForSelector('body.ready');
  await page.check('input[name=overdue]');
  await page.click('#filters button[type=submit]');
  await page.waitForFunction(() => location.search.includes('overdue=1'));
  // the filtered page has replaced the first one: every row says overdue
  await page.waitForFunction(() => {
    const st = [...document.querySelectorAll('#ledger tbody .st')];
    return st.length > 0 && st.every(s => s.textContent.includes('逾期'));
  });
  const refs = await page.$$eval('#ledger tbody tr td:first-child', tds => tds.map(t => t.textContent));
  check(refs.includes(LATE) && refs.every(r => r.length > 0), 'the overdue filter lists ' + LATE);
  const statuses = await page.$$eval('#ledger tbody .st', s => s.map(x => x.textContent));
  check(statuses.every(s => s.includes('逾期')), 'only overdue problems under the filter');
  await page.fill('input[name=q]', '采砂');
  await page.click('#filters button[type=submit]');
  await page.waitForFunction(() => [...document.querySelectorAll('#ledger tbody tr')].every(r => r.textContent.includes('采砂')));
  await shot(page, 'ledger');
  await Promise.all([page.waitForURL(URL + '/problems/' + LATE), page.click('#ledger tbody a[href="/problems/' + LATE + '"]')]);
  await page.waitForSelector('body.ready');
  check((await page.textContent('#title')).startsWith(LATE), 'the problem page opens from the ledger');
  const notices = await page.textContent('#notices tbody');
  check(notices.includes('督办') && notices.includes('已送达'), 'the problem page shows its notices and their delivery');
  check((await page.textContent('#history tbody')).includes('录入') || (await page.locator('#history tbody tr').count()) > 0,
    'the problem page shows its history');
  await page.close();
}

async function asUnit(browser, problems) {
  const ctx = browser;
  await ctx.clearCookies();
  const page = await newPage(ctx, PHONE, problems);
  await login(page, 'xj');
  await page.goto(URL + '/problems/' + LATE);
  await page.waitForSelector('body.ready');
  const forms = await page.$$eval('form.action', fs => fs.map(f => f.dataset.action));
  check(JSON.stringify(forms) === '["progress","apply"]', 'the main unit may record progress and apply, nothing else');
  await page.fill('form[data-action=progress] input[name=percent]', '100');
  await page.fill('form[data-action=progress] input[name=note]', '已清理砂石 2 万方,恢复河道');
  await page.click('form[data-action=progress] button');
  await page.waitForFunction(() => document.querySelector('#notes tbody').textContent.includes('恢复河道'));
  check((await page.textContent('#fields')).includes('100%'), 'progress recorded from a phone');
  await page.click('form[data-action=apply] button');
  await page.waitForFunction(() => document.querySelector('#fields').textContent.includes('已申请验收'));
  check((await page.locator('form.action').count()) === 1, 'after applying only progress is left');
  await shot(page, 'problem-phone');
  await page.close();
}

async function asLead(browser, problems) {
  const ctx = browser;
  await ctx.clearCookies();
  const page = await newPage(ctx, LAPTOP, problems);
  await login(page, 'slj');
  await page.goto(URL + '/problems/' + LATE);
  await page.waitForSelector('body.ready');
  const forms = await page.$$eval('form.action', fs => fs.map(f => f.dataset.action));
  check(JSON.stringify(forms) === '["accept","reject"]', 'the lead supervisor may accept or reject');
  await page.click('form[data-action=accept] button');
  await page.waitForFunction(() => document.querySelector('#fields').textContent.includes('公示中'));
  const history = await page.textContent('#history tbody');
  check(history.includes('xj') && history.includes('slj') && history.includes('验收通过') && history.includes('申请验收'),
    'the history names who applied and who accepted');
  await shot(page, 'problem');
  await page.goto(URL + '/bulletin');
  await page.waitForSelector('body.ready');
  check((await page.locator('#ranking tbody tr').count()) >= 2, 'the bulletin ranks the units');
  check((await page.locator('#index-chart .bar-row').count()) >= 1, 'the bulletin has its chart');
  await shot(page, 'bulletin');
  await page.goto(URL + '/units');
  await page.waitForSelector('body.ready');
  check((await page.textContent('#units tbody')).includes('新街镇'), 'the units page lists the units');
  await page.goto(URL + '/exports');
  await page.waitForSelector('body.ready');
  const links = await page.$$eval('#exports a', as => as.map(a => a.getAttribute('href')));
  check(links.length === 10 && links.includes('/api/export/attachment2?format=xlsx'), 'the exports page offers every table');
  const resp = await page.request.get(URL + links[0]);
  check(resp.status() === 200 && (await resp.body()).subarray(0, 2).toString() === 'PK', 'an export downloads as .xlsx');
  await page.close();
}

async function asPublic(browser, problems) {
  const ctx = browser;
  await ctx.clearCookies();
  const page = await newPage(ctx, PHONE, problems);
  const deadline = Date.now() + 60000;
  for (;;) {
    await page.goto(PUB + '/');
    if ((await page.textContent('#publicity')).includes(LATE) || Date.now() > deadline) break;
    await page.waitForTimeout(500);
  }
  const text = await page.textContent('#publicity');
  check(text.includes(LATE) && text.includes('0571-12345678'), 'the public page shows the publicity and whom to call');
  check(!(await page.content()).includes('slj'), 'the public page names no user');
  await shot(page, 'public-phone');
  await page.close();
}

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'duban-chromium-'));
  const problems = [];
  // a fresh profile (--user-data-dir) per run; each role starts without cookies
  const browser = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    await asOffice(browser, problems);
    await asUnit(browser, problems);
    await asLead(browser, problems);
    await asPublic(browser, problems);
    const real = problems.filter(p => !p.includes('401'));
    check(real.length === 0, 'no script errors and no CSP violations' + (real.length ? ': ' + real.join('; ') : ''));
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
})().catch(e => { console.error(e.stack || e.message); process.exit(1); });
