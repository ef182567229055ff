import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import { itemsToCsv } from '../../src/extension/popup/csv.ts';
import { bip21, fmtBlocks, fmtExpiry, fmtFeeRate, fmtSats, groupSatsInput, parseSatsInput, satsToBtc } from '../../src/extension/popup/format.ts';
import { encodeQr } from '../../src/extension/popup/qr.ts';
import { chromeManifest, firefoxManifest, zip, zipDir } from '../../vite.config.ts';

describe('amount formatting', () => {
  it('formats and parses sats without floating point', () => {
    assert.equal(fmtSats('1234567'), '1,234,567 sat');
    assert.equal(fmtSats('-1200'), '−1,200 sat');
    assert.equal(fmtSats(0n), '0 sat');
    assert.equal(satsToBtc(150_000n), '0.0015');
    assert.equal(satsToBtc(2_100_000_000_000_000n), '21000000');
    assert.equal(satsToBtc(1n), '0.00000001');
    assert.equal(parseSatsInput(' 1,000 '), 1000n);
    assert.equal(parseSatsInput('1.5'), null);
    assert.equal(parseSatsInput('-3'), null);
    assert.equal(parseSatsInput('007'), null);
    assert.equal(fmtBlocks(6), '6 blocks (~60 min)');
    assert.equal(fmtBlocks(1008), '1,008 blocks (~7 days)');
    assert.equal(fmtBlocks(0), 'expired');
  });
  it('shows sat/kvB fee rates as sat/vB with up to three decimals, not rounded up', () => {
    assert.equal(fmtFeeRate('250'), '0.25 sat/vB');
    assert.equal(fmtFeeRate('2500'), '2.5 sat/vB');
    assert.equal(fmtFeeRate('2000'), '2 sat/vB');
    assert.equal(fmtFeeRate('1234'), '1.234 sat/vB');
  });
  it('shows amounts typed in a box grouped, and leaves what is not an amount as typed', () => {
    assert.equal(groupSatsInput('1000000'), '1,000,000');
    assert.equal(groupSatsInput('1,000'), '1,000');
    assert.equal(groupSatsInput(' 25000 '), '25,000');
    assert.equal(groupSatsInput('12abc'), '12abc');
    assert.equal(groupSatsInput(''), '');
  });
  it('gives an expiry as a date, with the blocks as detail', () => {
    const now = new Date(2026, 11, 2, 12, 0).getTime();
    const date = new Date(2026, 11, 9, 12, 0).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
    assert.equal(fmtExpiry(1008, now), `about ${date} (1,008 blocks, ~7 days)`);
    assert.equal(fmtExpiry(0, now), 'expired');
  });
  it('builds BIP21 URIs', () => {
    assert.equal(bip21('bc1qxyz'), 'bitcoin:bc1qxyz');
    assert.equal(bip21('bc1qxyz', 100_000n), 'bitcoin:bc1qxyz?amount=0.001');
    assert.equal(bip21('bc1qxyz', 100_000n, 'a b&c'), 'bitcoin:bc1qxyz?amount=0.001&label=a%20b%26c');
  });
});

describe('CSV export', () => {
  it('quotes what needs quoting and defuses formulas', () => {
    const csv = itemsToCsv([
      { id: 1, site: 'https://news.example', url: 'https://news.example/a?x=1,2', amount: '10', channel: 'aa:0', at: Date.UTC(2025, 0, 1) },
      { id: 2, site: 'https://news.example', url: '=HYPERLINK("x")', amount: '5', channel: 'aa:0', at: Date.UTC(2025, 0, 2) },
    ]);
    assert.equal(
      csv,
      'time,site,url,amount_sat,channel\r\n' +
        '2025-01-01T00:00:00.000Z,https://news.example,"https://news.example/a?x=1,2",10,aa:0\r\n' +
        `2025-01-02T00:00:00.000Z,https://news.example,"'=HYPERLINK(""x"")",5,aa:0\r\n`,
    );
  });
});

/** A QR code as a PNG (4 px per module), for a decoder to read back. */
function qrPng(text: string): Buffer {
  const qr = encodeQr(text);
  const scale = 4;
  const n = (qr.size + 8) * scale;
  const raw = Buffer.alloc(n * (n + 1), 255);
  for (let y = 0; y < n; y++) {
    raw[y * (n + 1)] = 0;
    for (let x = 0; x < n; x++) {
      const mx = Math.floor(x / scale) - 4;
      const my = Math.floor(y / scale) - 4;
      if (mx >= 0 && my >= 0 && mx < qr.size && my < qr.size && qr.modules[my]![mx]) raw[y * (n + 1) + 1 + x] = 0;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(n, 0);
  ihdr.writeUInt32BE(n, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const hasZbar = spawnSync('zbarimg', ['--version']).status === 0;

describe('QR encoder', () => {
  it('picks the smallest version that fits', () => {
    assert.equal(encodeQr('bitcoin:bc1q').size, 21);
    assert.equal(encodeQr('bitcoin:bcrt1q3d6sxqs3ph2fxmayunjhfxgnv1kh4f4fgx3dy2?amount=0.001').size, 37);
    assert.throws(() => encodeQr('x'.repeat(1000)), /too long/);
  });
  it('is read back by a real decoder (zbarimg)', { skip: hasZbar ? false : 'zbar-tools not installed' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'qr-'));
    const texts = [
      'bitcoin:bcrt1q3d6sxqs3ph2fxmayunjhfxgnv1kh4f4fgx3dy2',
      'bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=0.00150000&label=Paychan%20test',
      'bitcoin:tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c?amount=21',
      'a',
      'x'.repeat(200),
    ];
    for (const [i, t] of texts.entries()) {
      const file = join(dir, `q${i}.png`);
      writeFileSync(file, qrPng(t));
      const out = execFileSync('zbarimg', ['-q', '--raw', file]).toString().trim();
      assert.equal(out, t);
    }
  });
});

describe('packaging', () => {
  const base = JSON.parse(readFileSync(new URL('../../manifest.json', import.meta.url), 'utf8'));
  it('writes a Chrome and a Firefox manifest', () => {
    const c = chromeManifest(base, '1.2.3');
    assert.deepEqual(c.background, { service_worker: 'background.js', type: 'module' });
    assert.equal(c.version, '1.2.3');
    const f = firefoxManifest(base, '1.2.3');
    assert.deepEqual(f.background, { scripts: ['background.js'], type: 'module' });
    assert.equal((f.browser_specific_settings as { gecko: { id: string } }).gecko.id, 'paychan@paychan.dev');
    assert.equal('minimum_chrome_version' in f, false);
    assert.deepEqual(f.permissions, c.permissions);
  });
  it('every manifest permission has a reason in docs/permissions.md', () => {
    const doc = readFileSync(new URL('../../docs/permissions.md', import.meta.url), 'utf8');
    for (const p of [...base.permissions, ...base.host_permissions]) assert.ok(doc.includes(`\`${p}\``), `${p} is not explained`);
  });
  it('zips what unzip can read', { skip: spawnSync('unzip', ['-v']).status === 0 ? false : 'no unzip' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'zip-'));
    const file = join(dir, 't.zip');
    writeFileSync(file, zip([['a.txt', Buffer.from('hello hello hello hello')], ['dir/b.bin', Buffer.from([1, 2, 3])]]));
    const test = spawnSync('unzip', ['-t', file]);
    assert.equal(test.status, 0, test.stdout.toString());
    assert.equal(execFileSync('unzip', ['-p', file, 'a.txt']).toString(), 'hello hello hello hello');
    assert.deepEqual([...execFileSync('unzip', ['-p', file, 'dir/b.bin'])], [1, 2, 3]);
  });
  it('zips the same tree to the same bytes, whatever the files\' times', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zip-tree-'));
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'assets'), { recursive: true });
    writeFileSync(join(tree, 'manifest.json'), '{"name":"x"}');
    writeFileSync(join(tree, 'assets', 'a.js'), 'console.log(1);'.repeat(50));
    zipDir(tree, join(dir, 'one.zip'));
    utimesSync(join(tree, 'manifest.json'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    zipDir(tree, join(dir, 'two.zip'));
    assert.ok(readFileSync(join(dir, 'one.zip')).equals(readFileSync(join(dir, 'two.zip'))));
    assert.equal(execFileSync('unzip', ['-Z1', join(dir, 'one.zip')]).toString(), 'assets/a.js\nmanifest.json\n');
  });
});
