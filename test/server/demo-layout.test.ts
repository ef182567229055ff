/**
 * The demo site's pages as Chromium lays them out: the API response box wraps a long line instead
 * of cutting it off, and the stream shows its elapsed time and a progress bar in the site's colours;
 * every page spells the unit one way, "sat" (issue 14).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { CHUNK_COUNT } from '../../src/server/demo/audio.ts';
import { ARTICLES } from '../../src/server/demo/articles.ts';
import { aboutPage, apiPage, articlePage, clock, galleryPage, homePage, listenPage, notFoundPage } from '../../src/server/demo/pages.ts';
import { API_SCRIPT, GALLERY_SCRIPT, PLAYER_SCRIPT } from '../../src/server/demo/scripts.ts';
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

  test('every page and every message its scripts show says "sat", never "sats"', async () => {
    const receipt = { channel: { txid: 'ab'.repeat(32), vout: 0 }, charged: 10n, paid: 1400n, spent: 1210n };
    const pages: [string, string][] = [
      ['home', homePage()],
      ['article, teaser', articlePage(ARTICLES[0]!, undefined)],
      ['article, paid', articlePage(ARTICLES[0]!, receipt)],
      ['gallery', galleryPage()],
      ['api', apiPage()],
      ['listen', listenPage()],
      ['about', aboutPage()],
      ['not found', notFoundPage()],
    ];
    const page = await browser.newPage();
    let sat = 0;
    for (const [name, html] of pages) {
      await page.setContent(html);
      const text = await page.locator('body').innerText();
      assert.doesNotMatch(text, /\bsats\b/i, `${name} says "sats"`);
      sat += (text.match(/\bsat\b/g) ?? []).length;
    }
    assert.ok(sat >= pages.length, 'the pages do name prices in sat');
    await page.close();
    // What the scripts write into the page at run time (a plate's price, what was paid).
    for (const [name, script] of Object.entries({ GALLERY_SCRIPT, API_SCRIPT, PLAYER_SCRIPT })) {
      for (const literal of script.match(/'[^'\n]*'|`[^`]*`|"[^"\n]*"/g) ?? []) assert.doesNotMatch(literal, /\bsats\b/i, `${name}: ${literal}`);
    }
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
