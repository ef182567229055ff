/**
 * The demo site's pages as Chromium lays them out: the API response box wraps a long line instead
 * of cutting it off, and the stream shows its elapsed time and a progress bar in the site's colours.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { CHUNK_COUNT } from '../../src/server/demo/audio.ts';
import { apiPage, clock, listenPage } from '../../src/server/demo/pages.ts';
import { chromiumPath } from '../extension-ui/chromium.ts';

const exe = chromiumPath();

describe('demo site layout (Chromium)', { skip: exe ? false : 'no Chromium installed' }, () => {
  let browser: Browser;
  before(async () => {
    browser = await chromium.launch({ executablePath: exe!, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
  });

  test('a long API response wraps inside its box at a phone width', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 700 } });
    await page.setContent(apiPage());
    await page.locator('#api-out').evaluate((el) => {
      el.textContent = `200 OK\nPaychan-Receipt: channel="${'ab'.repeat(32)}:0", amount="1400", credit="190", price="1"\n\n{"quote":"${'money '.repeat(40)}"}`;
    });
    const box = await page.locator('#api-out').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    assert.ok(box.scroll <= box.client, `the box scrolls sideways: ${box.scroll} > ${box.client}`);
    await page.close();
  });

  test('the stream shows elapsed of total time and a progress bar in the site accent', async () => {
    const page = await browser.newPage();
    await page.setContent(listenPage());
    assert.equal(clock(75), '1:15');
    assert.equal((await page.locator('#elapsed').innerText()).trim(), `0:00 / ${clock(CHUNK_COUNT)}`);
    const colour = await page.locator('#progress').evaluate((el) => getComputedStyle(el).accentColor);
    assert.equal(colour, 'rgb(138, 75, 18)'); // --accent: #8a4b12
    await page.close();
  });
});
