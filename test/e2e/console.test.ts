/**
 * The local console in a real browser (Debian's Chromium driven by playwright-core): a customer places an order
 * through the API and the console shows its execution appear, its graph and history, the orders table as a live
 * board by status, the events and queues, the function logs, and the order metric move. Screenshots are saved to
 * `test-artifacts/console/` for people to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type App, pollUntil, startApp, USERS } from './support/harness';
import { expectAccepted, placeOrderOk, staffEvent, waitForStatus } from './support/orders';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'console');
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser)
  console.warn(`console browser test skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run does it)`);
const describeWithBrowser = haveBrowser ? describe : describe.skip;

jest.setTimeout(90_000);

let app: App;
let browser: Browser;
let page: Page;
let alice: string;
let staff: string;

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const open = async (hash: string): Promise<void> => {
  await page.goto(`${app.endpoint}/_console#/${hash}`);
};

/** The sum of a metric over the metrics page rows (all dimension sets), as the page shows it. */
const metricTotal = async (name: string): Promise<number> => {
  const rows = await page.locator(`#metrics tr[data-metric$="/${name}"]`).all();
  const totals = await Promise.all(rows.map((row) => row.getAttribute('data-total')));
  return totals.reduce((sum, t) => sum + Number(t ?? 0), 0);
};

/** The sum of the points each widget draws (`data-total`), widget by widget. */
const widgetTotals = async (widgets: ReturnType<Page['locator']>): Promise<number[]> => {
  const all = await widgets.all();
  return Promise.all(all.map(async (w) => Number((await w.getAttribute('data-total')) ?? 0)));
};

beforeAll(async () => {
  if (!haveBrowser) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  app = await startApp();
  [alice, staff] = await Promise.all([app.token(USERS.alice), app.token(USERS.pizzeriaStaff)]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
});

describeWithBrowser('the local console', () => {
  let orderId: string;

  it('shows a new order execution appear live in the executions list', async () => {
    // Prepare
    await open('executions');
    await page.locator('.machine').first().waitFor();

    // Act
    orderId = (await placeOrderOk(app, alice)).orderId;

    // Assess
    const row = page.locator(`#executions tr[data-execution="${orderId}"]`);
    await row.waitFor({ timeout: 30_000 });
    await expectText(row, 'RUNNING');
    await shot('executions');
  });

  it('draws the execution graph coloured by outcome and lists its history with inputs and outputs', async () => {
    // Act
    await page.locator(`#executions a:text-is("${orderId}")`).click();
    await page.locator('#graph svg .node').first().waitFor();

    // Assess: the saga ran its first states and waits for the restaurant
    await page.locator('#graph .node.in-progress').waitFor();
    await page.locator('#graph .node.succeeded').first().waitFor();
    expect(await page.locator('#graph .node.not-reached').count()).toBeGreaterThan(0);
    await page.locator('#graph .node.succeeded').first().click();
    await page.locator('#state-details h2:text-is("Input")').waitFor();
    await page.locator('#history tr[data-event="1"]').click();
    await page.locator('#history pre.json').first().waitFor();
    await expectText(page.locator('#history'), orderId);
    await expectText(page.locator('.kv'), `.${'orderId'} = ${orderId}`);
    await shot('execution');
  });

  it('shows the orders table as a board by status that follows the order live', async () => {
    // Prepare
    await open(`tables/${encodeURIComponent(app.out('OrdersTableName'))}?group=status`);
    await page.locator(`[data-column="PLACED"] [data-item="${orderId}"]`).waitFor();

    // Act
    expectAccepted(await staffEvent(app, staff, orderId, 'OrderAccepted'));
    await waitForStatus(app, alice, orderId, 'ACCEPTED');

    // Assess
    const card = page.locator(`[data-column="ACCEPTED"] [data-item="${orderId}"]`);
    await card.waitFor({ timeout: 30_000 });
    await shot('orders-board');
    await card.locator(`a:text-is("${orderId}")`).click();
    await page.locator('#graph svg').waitFor();
    expect(page.url()).toContain(encodeURIComponent(`:${orderId}`));
  });

  it('lists the events on the bus with the rules they matched', async () => {
    // Act
    await open('events');

    // Assess
    await page.locator('#events td b:text-is("OrderPlaced")').first().waitFor();
    await shot('events');
  });

  it('shows queues with their dead-letter queues and a redrive button', async () => {
    // Act
    await open('queues');

    // Assess
    await page.locator('#queues [data-redrive]').first().waitFor();
    await shot('queues');
  });

  it('shows the newest log lines of a function', async () => {
    // Act
    await open('functions');

    // Assess
    await page.locator('#logs .line .t').first().waitFor();
  });

  it('shows the order metric move when another order is placed', async () => {
    // Prepare
    await open('dashboards/_metrics?period=60');
    const before = await pollUntil(
      () => metricTotal('OrdersPlaced'),
      (n) => n >= 1,
      { timeoutMs: 30_000, what: 'the first OrdersPlaced metric on the page' },
    );

    // Act
    await placeOrderOk(app, alice);

    // Assess
    const after = await pollUntil(
      () => metricTotal('OrdersPlaced'),
      (n) => n > before,
      { timeoutMs: 30_000, intervalMs: 250, what: 'OrdersPlaced to move on the page' },
    );
    expect(after).toBe(before + 1);
    await shot('metrics');
  });

  it("renders the template's dashboard with its widget titles, and its orders widgets move with a new order", async () => {
    // Prepare
    const { dashboards } = (await (await fetch(`${app.endpoint}/_console/api/dashboards`)).json()) as {
      dashboards: string[];
    };
    if (dashboards.length === 0) {
      console.warn('the template defines no CloudWatch dashboard yet: only the metrics page was checked');
      return;
    }
    await open(`dashboards/${encodeURIComponent(dashboards[0] as string)}?period=60`);
    await page.locator('#widgets .widget').first().waitFor();
    const titles = await page.locator('#widgets .widget h3').allTextContents();
    const ordersWidgets = page.locator('#widgets .widget').filter({ hasText: /orders? placed/i });
    const before = await widgetTotals(ordersWidgets);

    // Act
    await placeOrderOk(app, alice);

    // Assess
    expect(titles.filter((t) => t.trim()).length).toBeGreaterThan(0);
    if (before.length === 0) console.warn('the dashboard has no "orders placed" widget: only its titles were checked');
    else
      await pollUntil(
        () => widgetTotals(ordersWidgets),
        (now) => now.some((n, i) => n > (before[i] ?? 0)),
        { timeoutMs: 30_000, intervalMs: 250, what: 'an orders-placed widget to move' },
      );
    await shot('dashboard');
  });
});

/** Waits until a locator's text contains `text` (the page refreshes itself, so the text may come a moment later). */
const expectText = async (locator: ReturnType<Page['locator']>, text: string): Promise<void> => {
  await pollUntil(
    async () => (await locator.textContent()) ?? '',
    (t) => t.includes(text),
    { timeoutMs: 30_000, what: `"${text}" on the page` },
  );
};
