// The staff pages of `steward serve` in a real browser (Debian's Chromium through
// puppeteer-core): sign in with a review token, open the queue, open a decision, follow a
// reason to its highlighted line, approve with the keyboard alone, see the queue empty; the same
// pages with a `read` token show no forms; every page passes axe-core with no serious or
// critical violation, fits a phone's width, and reads without JavaScript. Screenshots are kept
// in the artefacts directory.
//
//   node browser_test.js <steward binary> <source dir> <artefacts dir>
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const puppeteer = require('puppeteer-core');

const [STEWARD, SRC, OUT] = process.argv.slice(2);
const PACK = path.join(SRC, 'policies/dcf-5-4');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const failures = [];
function check(cond, what) {
  if (!cond) {
    failures.push(what);
    console.log('FAIL', what);
  }
}

const TOKENS = {
  proposer: ['p'.repeat(40), 'propose'],
  reader: ['r'.repeat(40), 'read'],
  'dgc-chair': ['d'.repeat(40), 'review:data_governance_committee'],
  commissioner: ['m'.repeat(40), 'review:commissioner'],
};

async function startServer(dir) {
  const tokenFile = path.join(dir, 'tokens');
  fs.writeFileSync(tokenFile,
      Object.entries(TOKENS).map(([n, [t, r]]) => `${n} ${t} ${r}\n`).join(''), { mode: 0o600 });
  const proc = spawn(STEWARD, ['serve', '--policy', PACK, '--archive', 'sqlite:' + path.join(dir, 'a.db'),
    '-q', '--token-file', tokenFile, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    readline.createInterface({ input: proc.stdout }).once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`steward serve exited with ${code}`)));
  });
  return { proc, base: 'http://127.0.0.1:' + line.trim().split(':').pop() };
}

async function axeCheck(page, name) {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length,
      target: v.nodes[0] && v.nodes[0].target.join(' ') }));
  });
  const serious = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of result) console.log(`  axe ${name}: ${v.impact} ${v.id} (${v.nodes}) ${v.target}`);
  check(serious.length === 0, `${name}: ${serious.length} serious accessibility violations`);
}

async function visit(page, url, name) {
  const res = await page.goto(url, { waitUntil: 'load' });
  const html = await page.content();
  check(!/<script/i.test(html), `${name}: the page carries no script`);
  await axeCheck(page, name);
  return res;
}

async function submit(page, action) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), action()]);
}

async function signIn(page, base, who) {
  await page.goto(base + '/ui/', { waitUntil: 'load' });
  check(page.url().endsWith('/ui/signin'), `${who}: the pages ask to sign in first`);
  await page.type('#token', TOKENS[who][0]);
  await submit(page, () => page.keyboard.press('Enter'));
  check(page.url() === base + '/ui/', `${who}: signed in, on the queues (${page.url()})`);
}

async function signOut(page) {
  await submit(page, () => page.click('.who button'));
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'steward_ui_browser_'));
  const { proc, base } = await startServer(dir);
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    // A proposal whose approvals are typed in: it waits for the committee and the commissioner.
    const asked = fs.readFileSync(path.join(PACK, 'examples/agreements/01-compliant-allow.yaml'), 'utf8')
        .replace('start: 2026-03-01', 'start: 2099-03-01').replace('end: 2027-02-28', 'end: 2100-02-28')
        .replace('2027-05-29', '2100-05-29');
    const proposed = await fetch(base + '/v1/evaluate', { method: 'POST', body: asked,
      headers: { Authorization: 'Bearer ' + TOKENS.proposer[0], 'Content-Type': 'application/yaml' } });
    const decided = await proposed.json();
    check(decided.decision === 'needs_review', `the proposal needs review: ${decided.decision}`);

    const page = await browser.newPage();
    await page.setBypassCSP(true);  // to inject axe-core; the pages themselves run no script
    await page.setViewport({ width: 1280, height: 900 });
    await visit(page, base + '/ui/signin', 'sign-in');
    // Keyboard: the first Tab reaches the skip link, and it leads to the content.
    await page.keyboard.press('Tab');
    check(await page.evaluate(() => document.activeElement.className === 'skip'),
        'the first Tab stop is the skip link');
    await page.screenshot({ path: path.join(OUT, 'signin.png') });

    // The committee's chair: the queue, the decision, a reason's line.
    await signIn(page, base, 'dgc-chair');
    await visit(page, base + '/ui/', 'queues');
    await submit(page, () => page.click('a[href="/ui/queue/data_governance_committee"]'));
    await axeCheck(page, 'queue');
    const rows = await page.$$eval('tbody tr', (trs) => trs.length);
    check(rows === 1, `one decision waits for the committee (${rows})`);
    await page.screenshot({ path: path.join(OUT, 'queue.png'), fullPage: true });
    await submit(page, () => page.click('tbody tr a'));
    const decisionUrl = page.url();
    await axeCheck(page, 'decision');
    const forms = await page.$$eval('form[action$="/review"]', (fs) => fs.length);
    check(forms === 1, `one review form, the committee's (${forms})`);
    await page.click('.reasons a[href^="#L"]');
    const target = await page.evaluate(() => {
      const t = document.querySelector(':target');
      return { hash: location.hash, hit: !!t && t.classList.contains('hit'),
        visible: !!t && t.getBoundingClientRect().top >= 0 && t.getBoundingClientRect().top < innerHeight };
    });
    check(/^#L\d+$/.test(target.hash) && target.hit && target.visible,
        `a reason leads to its highlighted line: ${JSON.stringify(target)}`);
    await page.screenshot({ path: path.join(OUT, 'decision-line.png') });
    await page.goto(decisionUrl, { waitUntil: 'load' });
    await page.screenshot({ path: path.join(OUT, 'decision.png'), fullPage: true });

    // Approve with the keyboard alone: Tab to the verdicts, Space, Tab to the note, Enter.
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    let onVerdict = false;
    for (let i = 0; i < 200 && !onVerdict; ++i) {
      await page.keyboard.press('Tab');
      onVerdict = await page.evaluate(() => document.activeElement.name === 'verdict');
    }
    check(onVerdict, 'Tab reaches the verdicts');
    await page.keyboard.press('Space');
    const verdict = await page.evaluate(() => document.activeElement.checked && document.activeElement.value);
    check(verdict === 'approve', `Space chose the first verdict (${verdict})`);
    await page.keyboard.press('Tab');
    check(await page.evaluate(() => document.activeElement.tagName === 'TEXTAREA'), 'Tab reaches the note');
    await page.keyboard.type('Purpose and safeguards reviewed at the December meeting.');
    await page.keyboard.press('Tab');
    await submit(page, () => page.keyboard.press('Enter'));
    const notice = await page.$eval('[role=status]', (e) => e.textContent).catch(() => '');
    check(notice.includes('Your review was recorded'), `the review is recorded: "${notice}"`);
    const history = await page.$eval('#reviews', (e) => e.textContent);
    check(history.includes('approve') && history.includes('dgc-chair'), 'the history shows the approval');
    await page.goto(base + '/ui/queue/data_governance_committee', { waitUntil: 'load' });
    check(await page.$eval('main', (m) => m.textContent.includes('Nothing waits')),
        "the committee's queue is empty");
    await signOut(page);

    // The commissioner approves too: the decision derived again is allow.
    await signIn(page, base, 'commissioner');
    await page.goto(base + '/ui/queue/commissioner', { waitUntil: 'load' });
    await submit(page, () => page.click('tbody tr a'));
    await page.click('input[value=approve]');
    await submit(page, () => page.click('form[action$="/review"] button'));
    const outcome = await page.$eval('.outcome', (e) => e.textContent.trim());
    check(outcome === 'Allow', `after both reviews the decision is allow (${outcome})`);
    await axeCheck(page, 'allowed decision');
    await page.screenshot({ path: path.join(OUT, 'allowed.png'), fullPage: true });
    await signOut(page);

    // A reader: the same pages, no forms; readable on a phone and without JavaScript.
    await signIn(page, base, 'reader');
    await visit(page, decisionUrl, 'decision (reader)');
    check(await page.$$eval('form[action$="/review"]', (f) => f.length) === 0, 'a reader sees no form');
    await page.goto(base + '/ui/search?decision=review', { waitUntil: 'load' });
    await axeCheck(page, 'search');
    const found = await page.$$eval('tbody tr', (trs) => trs.length);
    check(found === 2, `the search finds both reviews (${found})`);
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    for (const [url, name] of [[decisionUrl, 'decision-phone'], [base + '/ui/', 'queues-phone'],
      [base + '/ui/search?decision=review', 'search-phone']]) {
      await page.goto(url, { waitUntil: 'load' });
      const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
      check(fits, `${name}: nothing wider than the phone's screen`);
      await page.screenshot({ path: path.join(OUT, name + '.png'), fullPage: true });
    }
    await axeCheck(page, 'search (phone)');
    await page.setJavaScriptEnabled(false);
    await page.goto(decisionUrl, { waitUntil: 'load' });
    const noJs = await page.content();
    check(noJs.includes('Reasons') && noJs.includes('id="L1"') && noJs.includes('Reviews of this text'),
        'the decision page reads without JavaScript');
  } finally {
    await browser.close();
    proc.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(() => {
  if (failures.length) {
    console.log(`${failures.length} failures`);
    process.exit(1);
  }
  console.log('ok');
}, (e) => {
  console.error(e);
  process.exit(1);
});
