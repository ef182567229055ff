/**
 * The dashboard's page and stylesheet. The page holds no data: its script (client.ts) fetches
 * the admin API with the token and fills the sections in, so the page itself needs no token.
 */

/** The totals shown, in `paychan-admin totals`' order and words; keys of the API's totals. */
export const TOTAL_ROWS: [key: string, label: string, meaning: string][] = [
  ['delivered', 'Delivered', 'items served'],
  ['unusedCredit', 'Unused prepaid credit', 'on open channels, still owed to readers as items'],
  ['settled', 'Settled', 'on chain in confirmed settlements'],
  ['feesPaid', 'Settlement fees paid', 'fees of confirmed settlements'],
  ['pending', 'Pending settlement', 'open channels plus settlements awaiting confirmation'],
  ['zeroConfExposure', 'Zero-conf exposure', 'earned on channels whose funding is unconfirmed'],
];

const totalRows = TOTAL_ROWS.map(([key, label, meaning]) => `<tr><th scope="row">${label}</th><td class="sat" data-total="${key}">…</td><td>${meaning}</td></tr>`).join('\n          ');

const table = (id: string, caption: string, headers: string[], numeric: number[]) => `<table id="${id}">
        <caption>${caption}</caption>
        <thead><tr>${headers.map((h, i) => `<th scope="col"${numeric.includes(i) ? ' class="sat"' : ''}>${h}</th>`).join('')}</tr></thead>
        <tbody></tbody>
      </table>`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Paychan dashboard</title>
  <link rel="icon" href="/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/uplot.css">
  <link rel="stylesheet" href="/dashboard.css">
  <script src="/uplot.js" defer></script>
  <script type="module" src="/dashboard.js"></script>
</head>
<body>
  <header>
    <h1>Paychan dashboard</h1>
    <p id="where" aria-live="polite"></p>
    <button type="button" id="refresh" hidden>Refresh</button>
  </header>
  <main>
    <form id="login" hidden>
      <label for="token">Admin token</label>
      <input id="token" name="token" type="password" autocomplete="off" required>
      <button type="submit">Open the dashboard</button>
      <p class="hint">The token is in the file named by <code>admin.tokenFile</code>; <code>paychan-admin token --show</code> prints it with this page's address.</p>
    </form>
    <p id="error" role="alert" hidden></p>
    <div id="sections" hidden>
      <section aria-labelledby="totals-h">
        <h2 id="totals-h">Totals</h2>
        <table id="totals">
          <caption>Every satoshi in one place of the books, in sat</caption>
          <thead><tr><th scope="col">Category</th><th scope="col" class="sat">Amount</th><th scope="col">Meaning</th></tr></thead>
          <tbody>
          ${totalRows}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="earnings-h">
        <h2 id="earnings-h">Earnings</h2>
        <fieldset>
          <legend>Per</legend>
          <label><input type="radio" name="bucket" value="hour"> hour (last 7 days)</label>
          <label><input type="radio" name="bucket" value="day" checked> day (last year)</label>
        </fieldset>
        <div id="chart" role="img" aria-label="Chart of sat delivered and paid per period; the same figures are in the table below it"></div>
        <details>
          <summary>Earnings as a table</summary>
          ${table('earnings', 'Sat per period (UTC)', ['Period starting', 'Delivered', 'Paid'], [1, 2])}
        </details>
      </section>
      <section aria-labelledby="channels-h">
        <h2 id="channels-h">Open channels</h2>
        ${table('channels', 'Channels not closed yet; dates are estimates at ten minutes a block', ['Channel', 'State', 'Capacity', 'Paid', 'Delivered', 'Credit', 'Funding', 'Expiry', 'Settle by'], [2, 3, 4, 5])}
      </section>
      <section aria-labelledby="settlements-h">
        <h2 id="settlements-h">Settlements</h2>
        ${table('settlements', 'Settlement transactions, newest first', ['Transaction', 'Status', 'Payout', 'Fee', 'Fee rate (sat/vB)', 'Channels', 'Made'], [2, 3, 4, 5])}
      </section>
      <section aria-labelledby="proposals-h">
        <h2 id="proposals-h">Pending proposals</h2>
        ${table('proposals', 'Channel opens proposed and not funded yet', ['Open', 'Capacity', 'Expiry height', 'Proposed', 'Pruned at'], [1, 2])}
      </section>
      <section aria-labelledby="zero-conf-h">
        <h2 id="zero-conf-h">Zero-conf exposure</h2>
        <p id="zero-conf-total"></p>
        ${table('zero-conf', 'Channels taking payments before their funding confirms', ['Channel', 'Paid', 'Capacity'], [1, 2])}
      </section>
    </div>
  </main>
</body>
</html>
`;

/** A coin: served here so the browser's icon request is not a 404 in the console. */
export const FAVICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#f7931a"/></svg>';

export const DASHBOARD_CSS = `:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.4; }
body { margin: 0 auto; max-width: 72rem; padding: 1rem; }
header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: baseline; }
h1 { font-size: 1.5rem; margin: 0; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 0.5rem; }
table { border-collapse: collapse; width: 100%; margin-bottom: 0.5rem; }
caption { text-align: left; font-size: 0.9rem; padding-bottom: 0.25rem; }
th, td { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid #8884; vertical-align: top; }
.sat { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.id { font-family: ui-monospace, monospace; font-size: 0.85rem; word-break: break-all; }
fieldset { border: none; padding: 0; display: flex; gap: 1rem; }
legend { float: left; margin-right: 0.5rem; }
#chart { min-height: 300px; }
#error { color: #b00020; font-weight: bold; }
@media (prefers-color-scheme: dark) { #error { color: #ff8a80; } a { color: #8ab4f8; } }
button, input { font: inherit; }
:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
.hint { font-size: 0.9rem; }
`;
