/** The readable body of a 402 for people who arrive without the extension. */
import type { ChallengeError } from '../core/http-binding.ts';
import { escapeHtml } from './http/html.ts';

const EXPLANATION: Record<ChallengeError, string> = {
  insufficient_credit: 'The prepaid credit on your channel does not cover this item; your wallet can top it up.',
  invalid_credential: 'The payment credential sent with this request was not accepted; your wallet can open a new channel.',
  channel_closed: 'The payment channel used for this request is closed; your wallet can open a new one.',
  invalid_payment: 'The payment sent with this request was refused; your credit is as it was, and your wallet can pay again.',
};

export function challengePage(opts: { price: bigint; network: string; error?: ChallengeError; detail?: string }): string {
  const reason = opts.error ? `<p>${escapeHtml(EXPLANATION[opts.error])}</p>` : '';
  const detail = opts.detail ? `<p><small>${escapeHtml(opts.detail)}</small></p>` : '';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Payment required</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<main>
<h1>Payment required</h1>
<p>This page costs <strong>${escapeHtml(opts.price.toString())} sat</strong> (${escapeHtml(opts.network)} bitcoin), paid through a Paychan payment channel.</p>
${reason}${detail}<p>Install the Paychan browser extension, fund it, and reload this page: it pays a few satoshis per item from a small prepaid deposit, without an account.</p>
<p><a href="/">Back to the site's home page</a></p>
</main>
</body>
</html>
`;
}
