/**
 * A process paying with paychanFetch is killed (SIGKILL, no chance to clean up) in the middle of
 * a top-up: once between storing the signature and sending it, once after sending it and before
 * storing the answer. A new process on the same wallet file resumes: the server and the file
 * agree on what was paid, what was delivered is exactly what was paid for, and calls go on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { openPaychanClient } from '../../src/client/node/index.ts';
import { fundedWalletFile, PASSWORD, useDevnetMerchant } from './helpers.ts';

const rig = useDevnetMerchant();
const child = new URL('./crash-child.ts', import.meta.url).pathname;

/** Runs the child until it kills itself; answers how many calls it saw paid and its exit signal. */
function runUntilKilled(path: string, mode: string): Promise<{ paid: number; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, path, rig.merchant.url, mode, PASSWORD], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('error', reject);
    proc.on('exit', (_code, signal) => resolve({ paid: out.split('\n').filter((l) => l.startsWith('paid ')).length, signal }));
  });
}

for (const mode of ['before-send', 'after-send'] as const) {
  test(`paychanFetch killed ${mode === 'before-send' ? 'between storing a payment and sending it' : 'after sending a payment'}: the next process resumes exact`, async () => {
    const path = await fundedWalletFile(rig.devnet, 1_000_000n);
    const killed = await runUntilKilled(path, mode);
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(killed.paid >= 1, `the child paid ${killed.paid} call(s) before the top-up`);

    const client = await openPaychanClient({ path, password: PASSWORD, caps: { budget: 20_000n } });
    const [stored] = await client.file.store.channels();
    const at = stored!.channel;
    const id = `${at.funding!.txid}:${at.funding!.vout}`;
    const serverAtKill = (await rig.merchant.paychan.store.getChannel(id))!;
    assert.ok(at.signed > at.acknowledged, 'the top-up was stored before anything else happened');
    if (mode === 'before-send') assert.ok(serverAtKill.paid < at.signed, 'it never reached the server');
    else assert.equal(serverAtKill.paid, at.signed, 'the server took it; the file has no answer yet');
    assert.equal(serverAtKill.spent, BigInt(killed.paid) * 10n, 'delivered exactly the calls the child saw');

    // The next process picks the stored payment up (re-sent or confirmed) and goes on paying.
    for (let i = 0; i < 30; i++) {
      const res = await client.fetch(`${rig.merchant.url}/articles/after-${mode}-${i}`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    await client.flush();
    const ch = (await client.file.store.getChannel(stored!.id))!.channel;
    const server = (await rig.merchant.paychan.store.getChannel(id))!;
    assert.equal((await client.file.store.channels()).length, 1, 'the same channel, no second one');
    assert.equal(ch.signed, server.paid, 'client signed = server paid');
    assert.equal(server.spent, BigInt(killed.paid + 30) * 10n, 'every call paid once, none twice');
    assert.equal(ch.spent, server.spent);
    const payments = await client.file.store.payments(stored!.id);
    assert.equal(payments.reduce((s, p) => s + p.increment, 0n), ch.signed, 'the stored payments add up to what the server holds');
    await client.close();
  });
}
