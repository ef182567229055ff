/**
 * A loopback site for the browser smoke tests: `/paid` answers 402 with a Paychan challenge (for a
 * channel endpoint that does not exist, so nothing can be paid), every other path a free page that
 * records whether the extension's MAIN-world wrapper is installed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChallengeSite {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startChallengeSite(): Promise<ChallengeSite> {
  const server = createServer((req, res) => {
    if (req.url === '/paid') {
      res.writeHead(402, {
        'content-type': 'text/html',
        'cache-control': 'no-store',
        'www-authenticate': 'Paychan realm="paychan", version="1", network="regtest", price="10", endpoint="http://127.0.0.1:1/paychan/v1", min_deposit="10000", max_deposit="5000000", min_expiry="144", max_expiry="4032", min_first_payment="1000"',
      });
      res.end('<h1>This article costs 10 sat</h1>');
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      // fetch reads as native now (issue 11, finding 9); the XMLHttpRequest stand-in's prototype
      // chain is what still shows (docs/security.md, "Fingerprinting").
      res.end('<h1>free</h1><script>window.wrapped = Object.getPrototypeOf(XMLHttpRequest.prototype) === XMLHttpRequestEventTarget.prototype ? "no" : "yes"</script>');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
