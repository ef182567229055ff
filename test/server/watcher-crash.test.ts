/**
 * Crash safety against the devnet: a server that stored a settlement and died before the
 * broadcast reached the node. Its successor on the same database sends that very settlement on
 * its first tick, and nothing is built twice.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WatcherChain } from '../../src/server/watcher/index.ts';
import { chainWithBroadcast, fundedChannel, mineTo, watchedSuite, type WatchedDevnet } from './watcher-fixture.ts';

const suite = watchedSuite();

/** The devnet's API, except that once `freeze()` is called a broadcast never returns: the process "dies" in it. */
function freezingChain(devnet: WatchedDevnet): WatcherChain & { freeze(): void; thaw(): void; frozen: string[] } {
  let frozen = false;
  const waiting: (() => void)[] = [];
  const hexes: string[] = [];
  const chain = chainWithBroadcast(devnet, (hex) => {
    if (!frozen) return devnet.esplora.broadcast(hex);
    hexes.push(hex);
    return new Promise((_, reject) => waiting.push(() => reject(new Error('the process is gone'))));
  });
  return {
    ...chain,
    frozen: hexes,
    freeze: () => void (frozen = true),
    thaw: () => waiting.forEach((w) => w()),
  };
}

test('a settlement stored but never broadcast is sent by the next tick, after a restart', async () => {
  const { devnet, wallet } = suite;
  const chain = freezingChain(devnet);
  const first = await suite.server({ chain });
  const alice = await fundedChannel(first, wallet, { capacity: 50_000n, first: 2_500n });
  const bob = await fundedChannel(first, wallet, { capacity: 50_000n, first: 1_500n });
  await mineTo(devnet, alice.channel!.request.expiry - 5);

  chain.freeze();
  const dying = first.watcher.tick();
  for (let i = 0; i < 200 && chain.frozen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(chain.frozen.length, 1, 'the tick reached the broadcast');

  // What the dead process left behind: the settlement stored and its channels closing, the node unaware.
  const [stored] = await first.paychan.store.listSettlements();
  assert.ok(stored);
  assert.equal(stored.status, 'built');
  assert.equal(stored.hex, chain.frozen[0]);
  assert.deepEqual(stored.channels.map((c) => c.channelId).sort(), [alice.channelId, bob.channelId].sort());
  for (const c of [alice, bob]) assert.deepEqual([(await c.status()).state, (await c.status()).settlementTxid], ['closing', stored.txid]);
  await assert.rejects(devnet.esplora.getTx(stored.txid), { status: 404 });

  // A new process on the same database, talking to the node directly.
  const second = await suite.server({ dbPath: first.dbPath });
  let report = await second.watcher.tick();
  assert.deepEqual(report.errors, []);
  assert.deepEqual(report.resent, [{ txid: stored.txid, outcome: 'broadcast' }]);
  assert.deepEqual(report.settlements, [], 'nothing built twice');
  assert.equal(await devnet.esplora.getTxHex(stored.txid), stored.hex);
  assert.equal((await second.paychan.store.getSettlement(stored.txid))!.status, 'broadcast');

  report = await second.watcher.tick();
  assert.deepEqual([report.resent, report.settlements, report.bumps, report.errors], [[], [], [], []], 'idempotent');

  await devnet.mine(1);
  report = await second.watcher.tick();
  assert.deepEqual(report.confirmed, [stored.txid]);
  for (const c of [alice, bob]) {
    const ch = (await second.paychan.store.getChannel(c.channelId))!;
    assert.deepEqual([ch.state, ch.closeReason, ch.settlementTxid], ['closed', 'settled', stored.txid]);
  }
  assert.equal((await second.paychan.store.listSettlements()).length, 1);

  // Let the first process's stuck broadcast end so it can be shut down; it must not undo anything.
  chain.thaw();
  const last = await dying;
  assert.deepEqual(last.settlements.map((s) => s.outcome), ['pending']);
  await first.stop();
  await second.stop();
  const reopened = await suite.server({ dbPath: first.dbPath });
  assert.equal((await reopened.paychan.store.getChannel(alice.channelId))!.closeReason, 'settled');
});
