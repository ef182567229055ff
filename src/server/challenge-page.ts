/**
 * The readable body of a 402, for people: what the item costs, why the last payment was refused
 * (if it was), and what to do — a reader with Paychan unlocks it and reloads; one without finds
 * the install page. A site can wrap this in its own page (its header, a teaser of the item) by
 * passing `challengePage` to createPaychan; `message` is the standard text to put in it.
 */
import type { IncomingMessage } from 'node:http';
import type { ChallengeError } from '../core/http-binding.ts';
import { escapeHtml } from './http/html.ts';

/** Where a reader without the extension learns to install it (README section). */
export const PAYCHAN_INSTALL_URL = 'https://github.com/paychan/paychan#install-the-extension';

const EXPLANATION: Record<ChallengeError, string> = {
  insufficient_credit: 'The prepaid credit on your channel does not cover this item; your wallet can top it up.',
  invalid_credential: 'The payment credential sent with this request was not accepted; your wallet can open a new channel.',
  channel_closed: 'The payment channel used for this request is closed; your wallet can open a new one.',
  invalid_payment: 'The payment sent with this request was refused; your credit is as it was, and your wallet can pay again.',
};

export interface ChallengePageInfo {
  /** The request being refused: a template can show a teaser of the item it asked for. */
  req: IncomingMessage;
  price: bigint;
  network: string;
  error?: ChallengeError;
  detail?: string;
  /** The standard explanation as an HTML fragment (price, refusal, unlock-and-reload, install link). */
  message: string;
}

/** A site's own 402 page; it should include `info.message` so readers know what to do. */
export type ChallengePageTemplate = (info: ChallengePageInfo) => string;

/** The standard explanation, HTML-escaped, for the default page or a site's template. */
export function challengeMessage(opts: { price: bigint; network: string; error?: ChallengeError; detail?: string; installUrl?: string }): string {
  const reason = opts.error ? `<p>${escapeHtml(EXPLANATION[opts.error])}</p>` : '';
  const detail = opts.detail ? `<p><small>${escapeHtml(opts.detail)}</small></p>` : '';
  const install = escapeHtml(opts.installUrl ?? PAYCHAN_INSTALL_URL);
  return `<p>This page costs <strong>${escapeHtml(opts.price.toString())} sat</strong> (${escapeHtml(opts.network)} bitcoin), paid through a Paychan payment channel.</p>
${reason}${detail}<p><strong>Have Paychan?</strong> Unlock it from the toolbar and reload this page: it pays from your prepaid deposit and the page opens.</p>
<p><strong>New here?</strong> <a href="${install}">Install the Paychan browser extension</a>, add a little bitcoin, and reload: it pays a few satoshis per item from a small deposit, without an account.</p>`;
}

/** The default 402 page: the standard message in a plain page with a way back to the site. */
export function challengePage(info: ChallengePageInfo): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Payment required</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<main>
<h1>Payment required</h1>
${info.message}
<p><a href="/">Back to the site's home page</a></p>
</main>
</body>
</html>
`;
}
