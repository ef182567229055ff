/**
 * The reader's story, step by step, in a real browser: shared by the e2e test (which asserts)
 * and `npm run demo` (which prints). Every step acts through what a person uses (the popup, the
 * approval window, the site's pages); the books at the end come from the devnet and the server.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { parseReceipt } from '../../src/core/http-binding.ts';
import { ARTICLES } from '../../src/server/demo/articles.ts';
import { PLATES } from '../../src/server/demo/gallery.ts';
import { PRICES } from '../../src/server/demo/prices.ts';
import { fmtSats } from '../../src/extension/popup/format.ts';
import type { ChannelSummary } from '../../src/extension/shared/types.ts';
import { PASSWORD, type Reader, type Stack, until } from './harness.ts';

/** What the story reports as it goes; the demo prints it, the test keeps it quiet. */
export type StoryLog = (step: string, detail?: string) => void;

export const FAUCET_SATS = 1_000_000n;

export function fmt(sats: bigint): string {
  return `${sats.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')} sat`;
}

export interface Books {
  start: bigint;
  wallet: bigint;
  serverEarnings: bigint;
  fundingFee: bigint;
  settlementFee: bigint;
  /** Sats of items the server delivered (sum of receipts). */
  itemsCharged: bigint;
  /** Highest cumulative payment the wallet signed (prepaid credit included). */
  paid: bigint;
  /** What the settlement paid the site: the wallet's close payment, what it delivered. */
  settled: bigint;
  /** Prepaid credit that went to the site at the close without an item for it: must be 0. */
  forfeited: bigint;
  capacity: bigint;
  settlementTxid: string;
  fundingTxid: string;
}

export interface StoryResult {
  books: Books;
  prompts: number;
  screenshots: string[];
}

async function nav(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name }).click();
}

/** Opens `url` in `page`; answers the HTTP status of the main document. */
async function open(page: Page, url: string): Promise<number> {
  const res = await page.goto(url, { waitUntil: 'domcontentloaded' });
  return res?.status() ?? 0;
}

/** Article text the reader can only see once paid: the second paragraph. */
async function seesWholeArticle(page: Page, slug: string): Promise<void> {
  const a = ARTICLES.find((x) => x.slug === slug)!;
  await page.getByText(a.paragraphs[1]!.slice(0, 50)).waitFor({ timeout: 30_000 });
  await page.getByText(/You paid 10 sat for this article/).waitFor();
}

export async function runReaderStory(reader: Reader, stack: Stack, log: StoryLog = () => undefined): Promise<StoryResult> {
  const shots: string[] = [];
  const shot = async (page: Page, name: string, fullPage = true) => shots.push(await reader.shot(page, name, fullPage));
  const site = stack.url;

  // 1. Onboarding, through the popup.
  const popup = await reader.popup();
  await popup.getByRole('button', { name: 'Create a new wallet' }).waitFor();
  await shot(popup, 'popup-welcome');
  await popup.getByRole('button', { name: 'Create a new wallet' }).click();
  await popup.getByLabel('Network').selectOption('regtest');
  await popup.getByLabel('Password (at least 8 characters)').fill(PASSWORD);
  await popup.getByLabel('Password again').fill(PASSWORD);
  await shot(popup, 'popup-create');
  await popup.getByRole('button', { name: 'Continue' }).click();
  const words = (await popup.getByRole('list', { name: 'Recovery phrase' }).locator('li').allTextContents()).join(' ');
  assert.equal(words.split(' ').length, 12);
  await shot(popup, 'popup-recovery-phrase');
  await popup.getByLabel('I have written them down').check();
  await popup.getByRole('button', { name: 'Next' }).click();
  await popup.getByLabel('Type the 12 words, separated by spaces').fill(words);
  await shot(popup, 'popup-confirm-phrase');
  await popup.getByRole('button', { name: 'Create wallet' }).click();
  await popup.getByRole('navigation', { name: 'Sections' }).waitFor();
  log('Onboarded: created a devnet wallet in the popup (12-word phrase confirmed)');

  // The wallet talks to the devnet's Esplora API, set in Settings like any other Esplora server.
  await nav(popup, 'Settings');
  await popup.getByLabel('Blockchain server').fill(stack.devnet.url);
  await popup.getByRole('button', { name: 'Save settings' }).click();
  await popup.getByText('Saved.').waitFor();
  await shot(popup, 'popup-settings');
  log('Pointed the wallet at the devnet', stack.devnet.url);

  // 2. Funding from the devnet faucet (the popup's own button), then a block confirms it.
  await nav(popup, 'Home');
  await popup.getByRole('button', { name: 'Devnet faucet' }).click();
  await popup.getByText(/1,000,000 sat received/).waitFor({ timeout: 30_000 });
  const fundHeight = await stack.devnet.mine(1);
  await until(
    'the faucet coins to show as spendable',
    async () => {
      await popup.getByRole('button', { name: 'Refresh balances' }).click();
      await popup.getByRole('button', { name: 'Refresh balances' }).waitFor();
      return (await reader.send('wallet.balances', undefined)).confirmed === FAUCET_SATS.toString();
    },
    30_000,
    500,
  );
  await popup.getByText('1,000,000 sat', { exact: true }).first().waitFor();
  await shot(popup, 'popup-home-funded');
  const start = FAUCET_SATS;
  log(`Funded from the devnet faucet: ${fmt(start)}`, `confirmed in block ${fundHeight}`);

  // 3. A paywalled article: the site answers 402, the approval window asks, the reader allows
  // auto-pay with a budget, the channel opens and the page reloads with the article.
  const article = await reader.ctx.newPage();
  const first = ARTICLES[0]!;
  const status = await open(article, `${site}/articles/${first.slug}`);
  assert.equal(status, 402, 'the first visit is paywalled');
  await shot(article, 'article-402');
  const prompt = await reader.nextPrompt();
  await shot(prompt, 'prompt-new-site');
  // At 200% zoom the 440x640 window is 220x305 CSS px: it reflows, amounts under their labels.
  shots.push(await reader.zoomShot(prompt, 'prompt-new-site-zoom-200', 220, 305));
  const budgetField = prompt.getByLabel('Budget (sat)');
  const budget = BigInt(await budgetField.inputValue());
  assert.ok(budget >= 1000n, `suggested budget ${budget}`);
  const t0 = Date.now();
  await reader.answer(prompt, 'Allow with budget');
  await seesWholeArticle(article, first.slug);
  const approvalToContent = Date.now() - t0;
  await shot(article, 'article-paid');
  let [channel] = await reader.send('channels.list', undefined);
  assert.ok(channel?.channelId, 'a channel is open');
  log(
    `Opened "${first.title}": approved auto-pay (≤ ${PRICES.article} sat per item, budget ${fmt(budget)} per day)`,
    `channel ${channel.channelId} of ${fmt(BigInt(channel.capacity))}, first payment ${fmt(BigInt(channel.signed))}; article shown ${approvalToContent} ms after approval`,
  );

  // 4. Three more articles: paid from prepaid credit, no window.
  const promptsBefore = reader.prompts.length;
  for (const a of ARTICLES.slice(1, 4)) {
    assert.equal(await open(article, `${site}/articles/${a.slug}`), 200, `${a.slug} is served at once`);
    await seesWholeArticle(article, a.slug);
  }
  assert.equal(reader.prompts.length, promptsBefore, 'no approval window for the next articles');
  await shot(article, 'article-4-paid');
  log(`Read three more articles with no prompt: ${fmt(3n * PRICES.article)} from prepaid credit`);

  // 5. The gallery: each plate is fetched by the page's script, paid and shown.
  const gallery = await reader.ctx.newPage();
  assert.equal(await open(gallery, `${site}/gallery`), 200);
  const figures = gallery.locator('figure');
  await shot(gallery, 'gallery-previews');
  let plates = 0n;
  for (let i = 0; i < PLATES.length; i++) {
    const fig = figures.nth(i);
    await fig.getByRole('button', { name: 'View the plate' }).click();
    await fig.getByText(`Paid ${PLATES[i]!.price} sat.`).waitFor({ timeout: 30_000 });
    plates += PLATES[i]!.price;
  }
  // Let the blobs render before the picture is taken.
  await gallery.waitForFunction(() => [...document.querySelectorAll('figure img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).src.startsWith('blob:')));
  await shot(gallery, 'gallery-paid');
  log(`Viewed ${PLATES.length} paid plates in the gallery: ${fmt(plates)}`);

  // 6. The metered stream: play a few seconds, then pause; each second is a paid chunk.
  const listen = await reader.ctx.newPage();
  assert.equal(await open(listen, `${site}/listen`), 200);
  await listen.getByRole('button', { name: 'Play' }).click();
  await listen.waitForFunction(() => Number((document.querySelector('#progress') as HTMLProgressElement).value) >= 5, undefined, { timeout: 60_000 });
  await listen.getByRole('button', { name: 'Pause' }).click();
  const streamText = (await listen.locator('#status').textContent()) ?? '';
  const streamPaid = BigInt(/paid (\d+) sat\b/.exec(streamText)?.[1] ?? '0');
  assert.ok(streamPaid >= 5n, streamText);
  await shot(listen, 'stream-paused');
  log(`Played the metered stream for ${streamPaid} s and paused: ${fmt(streamPaid * PRICES.streamPerSecond)}`, streamText);

  // 7. The paid API from page JavaScript: the page's own fetch() gets JSON and a receipt.
  const api = await reader.ctx.newPage();
  assert.equal(await open(api, `${site}/api`), 200);
  await api.getByRole('button', { name: 'Try /api/quote' }).click();
  await api.locator('#api-out').getByText(/^200 OK[\s\S]*Paychan-Receipt/).waitFor({ timeout: 30_000 });
  await shot(api, 'api-quote');
  log(`Called GET /api/quote from the page's JavaScript: 200 with a receipt, ${fmt(PRICES.quote)}`);

  // 8. A page script keeps calling the API until the day's budget is used up: then the wallet
  // asks again instead of paying, and the reader raises the budget.
  channel = (await reader.send('channels.list', undefined))[0]!;
  const calls = api.evaluate(async () => {
    const w = window as unknown as { __stop?: boolean };
    let n = 0;
    let charged = 0;
    let slowest = 0;
    for (let year = -600; !w.__stop && n < 2000; year++) {
      const t = performance.now();
      const res = await fetch(`/api/timeline?year=${year}`);
      slowest = Math.max(slowest, performance.now() - t);
      if (res.status !== 200) return { n, charged, slowest, status: res.status };
      charged += Number(/charged="?(\d+)/.exec(res.headers.get('paychan-receipt') ?? '')?.[1] ?? 0);
      await res.arrayBuffer();
      n++;
    }
    return { n, charged, slowest, status: 200 };
  });
  const overBudget = await Promise.race([
    reader.nextPrompt(120_000),
    calls.then((r) => Promise.reject(new Error(`the API calls stopped before the budget asked: ${JSON.stringify(r)}`))),
  ]);
  await overBudget.getByText('Your auto-pay budget for this site is used up for this period.').waitFor();
  // The window says where the period stands and suggests what pays: the site's own price limit
  // (articles must not ask again) and a budget above what is spent, so the reader just allows.
  await overBudget.getByText(new RegExp(`Budget: [\\d,]+ of ${fmt(budget)} counted`)).waitFor();
  await shot(overBudget, 'prompt-budget-exhausted');
  assert.equal(await overBudget.getByLabel('Max price per item (sat)').inputValue(), PRICES.article.toString(), "the site's price limit is kept");
  const newBudget = BigInt(await overBudget.getByLabel('Budget (sat)').inputValue());
  assert.equal(newBudget, budget * 2n, 'the suggestion doubles the used-up budget');
  await reader.answer(overBudget, 'Allow with budget');
  await api.evaluate(() => {
    (window as unknown as { __stop?: boolean }).__stop = true;
  });
  const loop = await calls;
  assert.equal(loop.status, 200, `every API call was paid (${JSON.stringify(loop)})`);
  log(
    `A page script called GET /api/timeline ${loop.n} times (${fmt(BigInt(loop.charged))}) until the ${fmt(budget)} budget ran out`,
    `the wallet asked instead of paying; the reader allowed the suggested ${fmt(newBudget)} per day and the waiting call went through`,
  );

  // 9. Close the channel from the popup; the server settles on chain.
  await nav(popup, 'Channels');
  const card = popup.getByRole('article', { name: /Channel with/ }).first();
  await card.getByText('open', { exact: true }).waitFor();
  await shot(popup, 'popup-channels-open');
  // The popup in a 640 px window at 200% zoom (320 CSS px): the tabs wrap, nothing scrolls sideways.
  shots.push(await reader.zoomShot(popup, 'popup-channels-320px-zoom-200', 320, 600));
  await card.getByRole('button', { name: 'Close channel' }).click();
  await card.getByText('closing', { exact: true }).waitFor({ timeout: 30_000 });
  await shot(popup, 'popup-channels-closing');
  channel = (await reader.send('channels.list', undefined))[0]!;
  const settlementTxid = channel.closingTxid;
  assert.ok(settlementTxid, 'the server answered with its settlement');
  log(`Closed the channel from the popup; the server broadcast its settlement`, settlementTxid);

  const settledAt = await stack.devnet.mine(1);
  const settlement = await stack.esplora.getTx(settlementTxid);
  assert.equal(settlement.status.confirmed, true, 'the settlement is mined');
  const closed = await until('the wallet to see the channel closed', async () => (await reader.send('channels.check', undefined)).find((c: ChannelSummary) => c.id === channel.id && c.state === 'closed'));
  await nav(popup, 'Home');
  await nav(popup, 'Channels');
  await card.getByText('closed', { exact: true }).waitFor();
  await shot(popup, 'popup-channels-closed');
  log(`The settlement confirmed on the devnet in block ${settledAt}`);

  // 10. The books, to the satoshi.
  const balances = await reader.send('wallet.sync', undefined);
  assert.equal(balances.unconfirmed, '0');
  assert.equal(balances.inChannels, '0');
  const fundingTxid = closed.channelId!.split(':')[0]!;
  const funding = await stack.esplora.getTx(fundingTxid);
  const capacity = BigInt(closed.capacity);
  const paid = BigInt(closed.signed);
  const serverEarnings = settlement.vout.slice(1).reduce((s, o) => s + o.value, 0n);
  const serverChannel = await stack.site.paychan.store.getChannel(closed.channelId!);
  const items = await reader.send('paywall.history', {});
  const itemsCharged = items.reduce((s, i) => s + BigInt(i.amount), 0n);
  assert.equal(serverChannel?.spent, itemsCharged, 'the server delivered exactly what the receipts say');
  // The channel input is input 0, so its change output (capacity − settled) is output 0.
  const settled = capacity - settlement.vout[0]!.value;
  assert.equal(closed.settled, String(settled), 'the wallet read the settlement back from the chain');
  assert.equal(serverChannel?.paid, settled, "the server settled at the wallet's close payment");
  const forfeited = settled - itemsCharged;
  assert.equal(forfeited, 0n, 'no prepaid credit is forfeited at the close: it came back to the reader');
  assert.equal(closed.keptCredit, null);
  const books: Books = {
    start,
    wallet: BigInt(balances.confirmed),
    serverEarnings,
    fundingFee: funding.fee,
    settlementFee: settlement.fee,
    itemsCharged,
    paid,
    settled,
    forfeited,
    capacity,
    settlementTxid,
    fundingTxid,
  };
  // History reads day totals the background keeps beside the items (issue 14): they add up to the items stored.
  const days = await reader.send('paywall.history.days', {});
  assert.equal(days.reduce((s, d) => s + BigInt(d.amount), 0n), itemsCharged, "the history's day totals add up to the items paid for");
  assert.equal(days.reduce((s, d) => s + d.items, 0), items.length);
  await nav(popup, 'History');
  await popup.locator('table.items').waitFor();
  const newest = (await popup.locator('details.site-day summary').first().textContent()) ?? '';
  assert.ok(newest.includes(`${days[0]!.items} items, ${fmtSats(days[0]!.amount)}`), newest);
  assert.equal(await popup.locator('table.items tbody tr').count(), Math.min(days[0]!.items, 200), 'the newest group opens to its items');
  await shot(popup, 'popup-history', false);
  await nav(popup, 'Sites');
  await popup.getByText(new URL(site).host).first().waitFor();
  await shot(popup, 'popup-sites');
  await nav(popup, 'Home');
  await popup.getByText(fmt(books.wallet), { exact: true }).first().waitFor();
  await shot(popup, 'popup-home-after');
  log(
    `Books: wallet ${fmt(books.wallet)} + server earnings ${fmt(books.serverEarnings)} + fees ${fmt(books.fundingFee + books.settlementFee)} = ${fmt(books.wallet + books.serverEarnings + books.fundingFee + books.settlementFee)}; started with ${fmt(start)}`,
    `items delivered ${fmt(itemsCharged)}, signed into the channel ${fmt(paid)}, settled ${fmt(settled)}: unspent prepaid credit ${fmt(paid - settled)} came back to the reader, forfeited ${fmt(forfeited)}; funding fee ${fmt(books.fundingFee)}, settlement fee ${fmt(books.settlementFee)}`,
  );
  assert.equal(books.wallet + books.serverEarnings + books.fundingFee + books.settlementFee, start, 'the books balance to the satoshi');
  return { books, prompts: reader.prompts.length, screenshots: shots };
}

/** A wallet made through messages, funded and confirmed: the quick start for the failure stories. */
export async function quickWallet(reader: Reader, stack: Pick<Stack, 'devnet'>, sats: bigint = FAUCET_SATS): Promise<void> {
  const { mnemonic } = await reader.send('wallet.generate', undefined);
  await reader.send('wallet.create', { mnemonic, password: PASSWORD, network: 'regtest' });
  await reader.send('settings.set', { esploraUrls: { regtest: stack.devnet.url } });
  const { address } = await reader.send('wallet.receiveAddress', undefined);
  await stack.devnet.faucet(address, sats);
  await stack.devnet.mine(1);
  await until('the faucet coins', async () => (await reader.send('wallet.sync', undefined)).confirmed === sats.toString());
}

/** Reads a receipt header off a response, for checks on what a paid item cost. */
export function chargedBy(header: string | null): bigint {
  return header ? (parseReceipt(header)?.charged ?? 0n) : 0n;
}

/**
 * Closes every open channel (as the popup's button does), mines the settlements and checks the
 * books: wallet + what the servers earned + every fee = what the wallet started with.
 */
export async function closeAllAndBalance(reader: Reader, stack: Stack, start: bigint): Promise<{ wallet: bigint; earnings: bigint; fees: bigint }> {
  for (const c of await reader.send('channels.list', undefined)) {
    if (c.state === 'open' || c.state === 'opening') await reader.send('channels.close', { id: c.id });
  }
  await stack.devnet.mine(1);
  const channels = await until('every channel closed', async () => {
    const list = await reader.send('channels.check', undefined);
    return list.every((c) => c.state === 'closed') && list;
  });
  let earnings = 0n;
  let fees = 0n;
  for (const c of channels) {
    if (!c.channelId) continue;
    const funding = await stack.esplora.getTx(c.channelId.split(':')[0]!);
    const closing = await stack.esplora.getTx(c.closingTxid!);
    assert.equal(closing.status.confirmed, true);
    fees += funding.fee + closing.fee;
    // Output 0 returns the reader's change; the rest is the server's payout.
    earnings += closing.vout.slice(1).reduce((s, o) => s + o.value, 0n);
  }
  const balances = await reader.send('wallet.sync', undefined);
  assert.equal(balances.unconfirmed, '0');
  const wallet = BigInt(balances.confirmed);
  assert.equal(wallet + earnings + fees, start, `books: wallet ${wallet} + earnings ${earnings} + fees ${fees} = ${start}`);
  return { wallet, earnings, fees };
}
