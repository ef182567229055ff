/**
 * Browser scripts the demo pages embed. They load paid items with the page's own fetch(), which
 * the Paychan extension wraps: a 402 is paid and retried, so the script just sees the item.
 * Without the extension the 402 comes back and the script says what the item costs.
 */

/** Reads `charged` from a Paychan-Receipt header, 0 when there is none. */
const CHARGED = `const charged = (res) => Number(/charged="?(\\d+)/.exec(res.headers.get('paychan-receipt') || '')?.[1] || 0);`;

export const GALLERY_SCRIPT = `${CHARGED}
for (const fig of document.querySelectorAll('figure[data-src]')) {
  const button = fig.querySelector('button');
  const status = fig.querySelector('.status');
  button.addEventListener('click', async (event) => {
    event.preventDefault();
    button.disabled = true;
    status.textContent = 'Loading…';
    try {
      const res = await fetch(fig.dataset.src, { headers: { accept: 'image/svg+xml' } });
      if (res.status === 402) {
        status.textContent = 'This plate costs ' + fig.dataset.price + ' sat: install the Paychan extension to pay for it.';
        button.disabled = false;
        return;
      }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      fig.querySelector('img').src = URL.createObjectURL(await res.blob());
      status.textContent = 'Paid ' + charged(res) + ' sat.';
      button.remove();
    } catch (err) {
      status.textContent = 'Could not load the plate: ' + err.message;
      button.disabled = false;
    }
  });
}
`;

export const API_SCRIPT = `
const out = document.querySelector('#api-out');
for (const button of document.querySelectorAll('button[data-call]')) {
  button.addEventListener('click', async () => {
    out.textContent = 'Calling ' + button.dataset.call + ' …';
    const res = await fetch(button.dataset.call, { headers: { accept: 'application/json' } });
    const receipt = res.headers.get('paychan-receipt');
    out.textContent = res.status + ' ' + res.statusText + (receipt ? '\\nPaychan-Receipt: ' + receipt : '') + '\\n\\n' + JSON.stringify(await res.json(), null, 2);
  });
}
`;

/**
 * Fetches one-second WAV chunks in order, a couple of seconds ahead of playback, and schedules
 * each on one Web Audio timeline. Pausing stops fetching, so a paused listener stops paying.
 */
export const PLAYER_SCRIPT = `${CHARGED}
const info = JSON.parse(document.querySelector('#stream-info').textContent);
const button = document.querySelector('#play');
const status = document.querySelector('#status');
const bar = document.querySelector('#progress');
const elapsed = document.querySelector('#elapsed');
const total = info.chunks * info.chunkSeconds;
let ctx = null, playing = false, pumping = false, next = 0, origin = 0, spent = 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const show = (text) => { status.textContent = text; };
const clock = (sec) => { const s = Math.max(0, Math.floor(sec)); return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0'); };

function report() {
  bar.value = next;
  show('Fetched ' + next + ' of ' + info.chunks + ' seconds · paid ' + spent + ' sat');
}

// Elapsed time follows what is heard (the audio clock); the bar shows the seconds fetched and paid.
function tick() {
  if (ctx && next > 0) elapsed.textContent = clock(Math.min(total, ctx.currentTime - origin)) + ' / ' + clock(total);
  requestAnimationFrame(tick);
}
requestAnimationFrame(tick);

async function pump() {
  if (pumping) return;
  pumping = true;
  try {
    while (playing && next < info.chunks) {
      const ahead = origin + next * info.chunkSeconds - ctx.currentTime;
      if (next > 0 && ahead > 2) { await sleep((ahead - 2) * 1000); continue; }
      const res = await fetch('/stream/chunk/' + next, { headers: { accept: 'audio/wav' } });
      if (res.status === 402) {
        show('Each second costs ' + info.pricePerSecond + ' sat: install the Paychan extension to listen.');
        return stop();
      }
      if (!res.ok) { show('The stream failed: HTTP ' + res.status); return stop(); }
      spent += charged(res);
      const audio = await ctx.decodeAudioData(await res.arrayBuffer());
      // Start (or restart after falling behind) a little in the future, keeping chunks back to back.
      if (next === 0 || origin + next * info.chunkSeconds < ctx.currentTime + 0.05) origin = ctx.currentTime + 0.15 - next * info.chunkSeconds;
      const source = ctx.createBufferSource();
      source.buffer = audio;
      source.connect(ctx.destination);
      source.start(origin + next * info.chunkSeconds);
      next++;
      report();
    }
    if (next >= info.chunks) { playing = false; button.textContent = 'Play again'; next = 0; }
  } finally {
    pumping = false;
  }
}

function stop() {
  playing = false;
  button.textContent = 'Play';
  if (ctx) ctx.suspend();
}

button.addEventListener('click', async () => {
  if (playing) return stop();
  ctx ??= new AudioContext();
  await ctx.resume();
  playing = true;
  button.textContent = 'Pause';
  pump();
});
`;
