import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCredential } from '../../src/core/http-binding.ts';
import { BudgetService } from '../../src/extension/background/paywall/budget.ts';
import { CredentialRules, FakeDnr } from '../../src/extension/background/paywall/credentials.ts';
import { BackgroundTopUp, type TopUpInput, type TopUpPort } from '../../src/extension/background/paywall/topup.ts';
import { MemoryPaywallStore } from '../../src/extension/background/paywall/store.ts';
import { KeyedMutex } from '../../src/client/lib/mutex.ts';
import { DEFAULT_SETTINGS } from '../../src/client/session/settings.ts';
import type { ChannelSummary, Settings } from '../../src/extension/shared/types.ts';

const SITE = 'https://news.example';
const ENDPOINT = 'https://news.example/paychan/v1';
const CID = 'aa:0';
const PLAIN = `Paychan channel="${'a'.repeat(64)}:0", token="${'A'.repeat(43)}"`;

/**
 * A wallet with one open channel that behaves as ChannelService.topUpWithin does: it raises the
 * approval by at most `limit`, never signs above the approval, and acknowledges on send.
 */
function fakeWallet(c: { approved: bigint; signed: bigint; spent: bigint; capacity?: bigint }, dnr: FakeDnr) {
  const ch = { approved: c.approved, signed: c.signed, acknowledged: c.signed, spent: c.spent, capacity: c.capacity ?? 50_000n };
  const calls: TopUpInput[] = [];
  /** Receipts recorded and top-ups asked for, in order. */
  const log: string[] = [];
  /** What the credential rule carried when each send went out. */
  const ruleAtSend: (string | undefined)[] = [];
  const settings: Settings = { ...DEFAULT_SETTINGS, network: 'regtest', policy: { ...DEFAULT_SETTINGS.policy, prepaidTarget: '0' } };
  const summary = (): ChannelSummary => ({
    id: 'regtest/0',
    channelId: CID,
    endpoint: ENDPOINT,
    network: 'regtest',
    state: 'open',
    capacity: String(ch.capacity),
    expiry: 2000,
    approved: String(ch.approved),
    signed: String(ch.signed),
    acknowledged: String(ch.acknowledged),
    spent: String(ch.spent),
    credit: String(ch.signed - ch.spent),
    closingTxid: null,
    createdAt: 1,
    updatedAt: 1,
  });
  const credential = () => (ch.signed > ch.acknowledged ? `${PLAIN}, amount="${ch.signed}", sig="${'ab'.repeat(64)}"` : PLAIN);
  const port: TopUpPort = {
    async receipt(header) {
      log.push(`receipt ${header}`);
      return true;
    },
    channels: async () => [summary()],
    settings: async () => settings,
    async topUp(input) {
      calls.push(input);
      log.push(`topUp send=${input.send}`);
      await new Promise((r) => setTimeout(r, 2));
      let wanted = ch.spent + input.price * input.items;
      if (wanted > ch.capacity) wanted = ch.capacity;
      let grew = 0n;
      if (wanted > ch.signed) {
        const ceiling = ch.approved + input.limit;
        const amount = wanted > ceiling ? ceiling : wanted;
        if (amount > ch.signed && amount - ch.spent >= input.price) {
          if (amount > ch.approved) {
            grew = amount - ch.approved;
            ch.approved = amount;
          }
          assert.ok(amount <= ch.approved, 'never signs above the approval');
          ch.signed = amount;
        }
      }
      if (input.send && ch.signed > ch.acknowledged) {
        ruleAtSend.push(dnr.rules[0]?.action.requestHeaders?.[0]?.value);
        ch.acknowledged = ch.signed;
      }
      return { approved: grew, channel: summary(), credential: credential() };
    },
  };
  return { ch, calls, log, ruleAtSend, port, spend: (n: bigint) => void (ch.spent += n) };
}

async function setup(c: Parameters<typeof fakeWallet>[0], policy?: { mode: 'auto' | 'ask'; budget: string; maxPrice?: string }) {
  const clock = { now: () => Date.UTC(2025, 0, 10, 12) };
  const budget = new BudgetService(new MemoryPaywallStore(), clock);
  const dnr = new FakeDnr();
  const credentials = new CredentialRules(dnr);
  await credentials.tabCommitted(1, `${SITE}/`);
  await credentials.set(SITE, PLAIN);
  if (policy) await budget.setPolicy(SITE, { mode: policy.mode, maxPrice: policy.maxPrice ?? '20', budget: policy.budget, periodDays: 1 }, ENDPOINT);
  const wallet = fakeWallet(c, dnr);
  const topUp = new BackgroundTopUp({ wallet: wallet.port, budget, credentials, mutex: new KeyedMutex() });
  const header = () => dnr.rules[0]?.action.requestHeaders?.[0]?.value ?? '';
  return { budget, dnr, credentials, wallet, topUp, header };
}

const RECEIPT = `Paychan channel="${CID}", charged="10", paid="1000", spent="1000"`;
const receipt = { header: RECEIPT, site: SITE, url: `${SITE}/articles/1`, tabId: 1, kind: 'navigation' as const, initiator: null, channel: CID, charged: 10n };

describe('background top-up within the budget', () => {
  it('reserves, raises the approval by exactly what it signs, carries it inline, sends, then drops it', async () => {
    // 1000 approved and signed, 990 spent: one item of credit left.
    const t = await setup({ approved: 1000n, signed: 1000n, spent: 990n }, { mode: 'auto', budget: '5000' });
    assert.equal(await t.topUp.onReceipt(receipt), 'topped-up');
    assert.deepEqual(t.wallet.log, [`receipt ${RECEIPT}`, 'topUp send=false', 'topUp send=true'], 'the receipt is recorded first');
    // Six items ahead: 990 + 60.
    assert.equal(t.wallet.ch.signed, 1050n);
    assert.equal(t.wallet.ch.approved, 1050n);
    const p = (await t.budget.policy(SITE))!;
    assert.equal(p.spent, 50n, 'the budget is charged what the approval grew');
    assert.deepEqual(p.reservations, {});
    // The send went out with the payment already in the rule, for both rules of the site.
    assert.equal(t.wallet.ruleAtSend.length, 1);
    assert.equal(parseCredential(t.wallet.ruleAtSend[0]!)?.payment?.amount, 1050n);
    // Acknowledged: the rule is back to the plain credential, conditions intact.
    assert.equal(t.header(), PLAIN);
    assert.equal(t.dnr.rules.length, 2);
    assert.deepEqual(t.dnr.rules[1]!.condition.initiatorDomains, ['news.example']);
  });

  it('tops up only for the site\'s own traffic: not for another site\'s frame, image or fetch, nor in a tab showing another site (finding 2)', async () => {
    const t = await setup({ approved: 1000n, signed: 1000n, spent: 990n }, { mode: 'auto', budget: '5000' });
    assert.equal(await t.topUp.onReceipt({ ...receipt, kind: 'frame', initiator: 'https://evil.example' }), 'third-party');
    assert.equal(await t.topUp.onReceipt({ ...receipt, kind: 'media', initiator: null }), 'third-party');
    assert.equal(await t.topUp.onReceipt({ ...receipt, tabId: -1 }), 'third-party', 'no tab: not the reader');
    const tops = new Map<number, string>([[3, 'https://evil.example/'], [4, 'https://www.news.example/']]);
    const inTabs = new BackgroundTopUp({ wallet: t.wallet.port, budget: t.budget, credentials: t.credentials, mutex: new KeyedMutex(), topUrl: async (id) => tops.get(id) ?? null });
    // news.example's own frame, inside evil.example's page.
    assert.equal(await inTabs.onReceipt({ ...receipt, kind: 'media', initiator: SITE, tabId: 3 }), 'third-party');
    assert.equal(t.wallet.calls.length, 0, 'nothing signed');
    assert.equal((await t.budget.policy(SITE))!.spent, 0n);
    // The reader's own tab on the site, a request from a same-site host: topped up.
    assert.equal(await inTabs.onReceipt({ ...receipt, kind: 'media', initiator: 'https://img.news.example', tabId: 4 }), 'topped-up');
  });

  it('a receipt from another site naming this site\'s channel starts no top-up (finding 8)', async () => {
    const t = await setup({ approved: 1000n, signed: 1000n, spent: 990n }, { mode: 'auto', budget: '5000' });
    await t.credentials.set('https://evil.example', PLAIN);
    assert.notEqual(await t.topUp.onReceipt({ ...receipt, site: 'https://evil.example', url: 'https://evil.example/x' }), 'topped-up');
    assert.equal(t.wallet.calls.length, 0);
  });

  it('does nothing while enough credit is ahead', async () => {
    const t = await setup({ approved: 2000n, signed: 1100n, spent: 990n }, { mode: 'auto', budget: '5000' });
    assert.equal(await t.topUp.onReceipt(receipt), 'none');
    assert.equal(t.wallet.calls.length, 0);
  });

  it('answers a receipt showing plenty of credit without reading the wallet', async () => {
    const t = await setup({ approved: 2000n, signed: 1100n, spent: 990n }, { mode: 'auto', budget: '5000' });
    let reads = 0;
    const channels = t.wallet.port.channels;
    t.wallet.port.channels = async () => (reads++, channels());
    assert.equal(await t.topUp.onReceipt({ ...receipt, paid: 1100n, spent: 990n }), 'none');
    assert.equal(reads, 0, 'a warm page load costs the service worker no wallet read');
    // Low credit in the receipt still goes the whole way.
    assert.equal(await t.topUp.onReceipt({ ...receipt, paid: 1100n, spent: 1080n }), 'none');
    assert.equal(reads, 1);
  });

  it('never approves beyond the budget left; with none left it only uses what is already approved', async () => {
    const t = await setup({ approved: 1000n, signed: 1000n, spent: 990n }, { mode: 'auto', budget: '30' });
    assert.equal(await t.topUp.onReceipt(receipt), 'topped-up');
    assert.equal(t.wallet.ch.approved, 1030n);
    assert.equal((await t.budget.policy(SITE))!.spent, 30n);
    t.wallet.spend(30n);
    assert.equal(await t.topUp.onReceipt(receipt), 'none');
    assert.equal(t.wallet.ch.approved, 1030n);
    assert.equal(t.wallet.calls.at(-1)?.limit, 0n);
  });

  it('uses only the existing approval when the site asks (no auto-pay)', async () => {
    const t = await setup({ approved: 1040n, signed: 1000n, spent: 990n }, { mode: 'ask', budget: '5000' });
    assert.equal(await t.topUp.onReceipt(receipt), 'within-approval');
    assert.equal(t.wallet.ch.approved, 1040n);
    assert.equal(t.wallet.ch.signed, 1040n);
    assert.equal((await t.budget.policy(SITE))!.spent, 0n);
  });

  it('does not pay for a price above the site limit or a site without an installed credential', async () => {
    const t = await setup({ approved: 1000n, signed: 1000n, spent: 990n }, { mode: 'auto', budget: '5000', maxPrice: '5' });
    await t.topUp.onReceipt(receipt);
    assert.equal(t.wallet.ch.approved, 1000n);
    await t.credentials.remove(SITE);
    const u = await setup({ approved: 1000n, signed: 1000n, spent: 990n }, { mode: 'auto', budget: '5000' });
    await u.credentials.remove(SITE);
    assert.equal(await u.topUp.onReceipt(receipt), 'none');
    assert.equal(u.wallet.calls.length, 0);
  });

  it('many receipts at once (several tabs) never overshoot the budget', async () => {
    const t = await setup({ approved: 1000n, signed: 1000n, spent: 990n, capacity: 1_000_000n }, { mode: 'auto', budget: '200' });
    for (let round = 0; round < 5; round++) {
      t.wallet.spend(40n);
      await Promise.all(Array.from({ length: 8 }, () => t.topUp.onReceipt(receipt)));
    }
    const p = (await t.budget.policy(SITE))!;
    assert.ok(p.spent <= 200n, `spent ${p.spent}`);
    assert.equal(t.wallet.ch.approved - 1000n, p.spent, 'the budget shows exactly what was approved');
    assert.deepEqual(p.reservations, {});
  });

  it('releases the reservation when the wallet fails (locked), counting what really grew', async () => {
    const t = await setup({ approved: 1000n, signed: 1000n, spent: 990n }, { mode: 'auto', budget: '5000' });
    t.wallet.port.topUp = async () => {
      throw new Error('locked');
    };
    assert.equal(await t.topUp.onReceipt(receipt), 'skipped');
    const p = (await t.budget.policy(SITE))!;
    assert.equal(p.spent, 0n);
    assert.deepEqual(p.reservations, {});
  });

  it('tops up nothing when the wallet could not record the receipt', async () => {
    const t = await setup({ approved: 1000n, signed: 1000n, spent: 990n }, { mode: 'auto', budget: '5000' });
    t.wallet.port.receipt = async () => {
      throw new Error('locked');
    };
    assert.equal(await t.topUp.onReceipt(receipt), 'skipped');
    assert.equal(t.wallet.calls.length, 0);
    assert.equal((await t.budget.policy(SITE))!.spent, 0n);
  });

  it('drops a stale inline payment once the server acknowledged it', async () => {
    const t = await setup({ approved: 2000n, signed: 1200n, spent: 990n }, { mode: 'auto', budget: '5000' });
    await t.credentials.update(SITE, `${PLAIN}, amount="1200", sig="${'ab'.repeat(64)}"`);
    assert.equal(await t.topUp.onReceipt(receipt), 'sent');
    assert.equal(t.header(), PLAIN);
  });
});
