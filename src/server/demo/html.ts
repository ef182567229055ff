/** The demo site's page frame: one small inline stylesheet, so the site needs no assets or CDN. */

import { escapeHtml } from '../http/html.ts';

export { escapeHtml };

export const SITE_NAME = 'The Counting House';
export const SITE_TAGLINE = 'A small magazine about the history of money';

const CSS = `
:root { --ink: #1f1b16; --muted: #6b6258; --paper: #fbf8f2; --rule: #e3dccf; --accent: #8a4b12; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--paper); color: var(--ink);
  font: 18px/1.65 Georgia, "Iowan Old Style", "Palatino Linotype", serif; }
header.site { border-bottom: 1px solid var(--rule); padding: 1.2rem 1rem .8rem; text-align: center; }
header.site a.brand { color: var(--ink); text-decoration: none; font-size: 1.9rem; letter-spacing: .02em; }
header.site p { margin: .2rem 0 .6rem; color: var(--muted); font-style: italic; }
nav a { margin: 0 .7rem; color: var(--accent); text-decoration: none;
  font: 600 .85rem/1 system-ui, sans-serif; text-transform: uppercase; letter-spacing: .08em; }
main { max-width: 40rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
main.wide { max-width: 62rem; }
h1, h2, h3 { line-height: 1.25; font-weight: normal; }
h1 { font-size: 2.1rem; margin: .5rem 0; }
a { color: var(--accent); }
.dek { color: var(--muted); font-size: 1.15rem; font-style: italic; }
.byline, .meta { color: var(--muted); font: .8rem/1.4 system-ui, sans-serif; }
.price { display: inline-block; font: 600 .75rem/1 system-ui, sans-serif; color: #fff; background: var(--accent);
  border-radius: 1rem; padding: .3rem .6rem; vertical-align: middle; white-space: nowrap; }
.free { background: #4c7a3d; }
article.teaser { border-bottom: 1px solid var(--rule); padding: 1rem 0 1.4rem; }
article.teaser h2 { margin: .2rem 0; font-size: 1.5rem; }
article.teaser h2 a { color: var(--ink); text-decoration: none; }
.body p:first-of-type::first-letter { float: left; font-size: 3.2rem; line-height: .9; padding: .3rem .4rem 0 0; }
.note { background: #f3ede2; border-left: 3px solid var(--accent); padding: .7rem 1rem; font-size: .95rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr)); gap: 1.2rem; }
figure { margin: 0; background: #fff; border: 1px solid var(--rule); padding: .6rem; }
figure img { width: 100%; display: block; aspect-ratio: 4 / 3; }
figcaption { font: .85rem/1.4 system-ui, sans-serif; color: var(--muted); margin-top: .4rem; }
button { font: 600 .9rem system-ui, sans-serif; background: var(--accent); color: #fff; border: 0;
  border-radius: .3rem; padding: .5rem .9rem; cursor: pointer; }
button:disabled { opacity: .5; cursor: default; }
pre { background: #201c17; color: #f3ede2; padding: 1rem; overflow-x: auto; font-size: .8rem; border-radius: .3rem;
  /* A long receipt header or JSON line wraps instead of running off the box. */
  white-space: pre-wrap; overflow-wrap: anywhere; }
/* The stream's progress in the site's colours, in Chromium and Firefox alike. */
progress { appearance: none; accent-color: var(--accent); width: 100%; height: .6rem; border: 0; border-radius: .3rem; background: var(--rule); overflow: hidden; }
progress::-webkit-progress-bar { background: var(--rule); }
progress::-webkit-progress-value { background: var(--accent); }
progress::-moz-progress-bar { background: var(--accent); }
.player { display: flex; gap: .8rem; align-items: center; }
.player .elapsed { font: 600 .9rem/1 ui-monospace, monospace; color: var(--ink); white-space: nowrap; }
code { font-size: .85em; }
table { border-collapse: collapse; width: 100%; font: .9rem/1.4 system-ui, sans-serif; }
td, th { border-bottom: 1px solid var(--rule); padding: .4rem; text-align: left; }
footer { border-top: 1px solid var(--rule); color: var(--muted); text-align: center; padding: 1rem; font: .8rem system-ui, sans-serif; }
`;

export function page(opts: { title: string; body: string; wide?: boolean; script?: string }): string {
  const script = opts.script ? `<script type="module">${opts.script}</script>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(opts.title)} · ${SITE_NAME}</title>
<style>${CSS}</style>
</head>
<body>
<header class="site">
<a class="brand" href="/">${SITE_NAME}</a>
<p>${SITE_TAGLINE}</p>
<nav><a href="/">Articles</a><a href="/gallery">Gallery</a><a href="/api">API</a><a href="/listen">Listen</a><a href="/about">About</a></nav>
</header>
<main${opts.wide ? ' class="wide"' : ''}>
${opts.body}
</main>
<footer>Paid by the item through Paychan payment channels: no account, no subscription, no card.</footer>
${script}
</body>
</html>
`;
}

export function priceTag(amount: bigint, unit = ''): string {
  return `<span class="price">${amount} sat${unit ? ' ' + escapeHtml(unit) : ''}</span>`;
}
