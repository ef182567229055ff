/**
 * The metered stream: a short piece of music synthesised in code and cut into one-second WAV
 * files, each playable on its own (so a page can decode and schedule chunks one by one with
 * Web Audio). Every note starts and ends on the half-second grid with its envelope at zero, so
 * chunk boundaries never click.
 */

export const SAMPLE_RATE = 22_050;
export const CHUNK_SECONDS = 1;
export const STREAM_SECONDS = 32;
export const STREAM_TITLE = 'Counting Song (synthesised)';

const NOTE = 0.5; // seconds per melody note
const MASTER = 1.6; // the voices sum to about 0.4 at most; this brings the peak near -4 dBFS
const CHORD = 4; // seconds per chord

const hz = (midi: number) => 440 * 2 ** ((midi - 69) / 12);

// C, A minor, F, G: each as chord tones above middle C.
const CHORDS: number[][] = [
  [60, 64, 67],
  [57, 60, 64],
  [53, 57, 60],
  [55, 59, 62],
];
const PENTATONIC = [60, 62, 64, 67, 69, 72, 74, 76];

/** A small deterministic PRNG, so the melody is the same on every start. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Voice {
  start: number;
  dur: number;
  freq: number;
  gain: number;
  /** Overtone mix: 0 = pure sine. */
  bright: number;
  attack: number;
}

function score(): Voice[] {
  const rand = prng(21);
  const voices: Voice[] = [];
  let last = 4;
  for (let t = 0; t < STREAM_SECONDS; t += NOTE) {
    const chord = CHORDS[Math.floor(t / CHORD) % CHORDS.length]!;
    const strong = t % 1 === 0;
    // Strong beats land on a chord tone; weak beats step around the scale.
    const candidates = strong ? chord.map((m) => m + 12) : PENTATONIC.filter((_, i) => Math.abs(i - last) <= 2);
    const midi = candidates[Math.floor(rand() * candidates.length)]!;
    last = Math.max(0, PENTATONIC.indexOf(midi) >= 0 ? PENTATONIC.indexOf(midi) : last);
    if (rand() < 0.12 && !strong) continue; // a rest now and then
    voices.push({ start: t, dur: NOTE, freq: hz(midi), gain: strong ? 0.2 : 0.15, bright: 0.3, attack: 0.01 });
  }
  for (let t = 0; t < STREAM_SECONDS; t += CHORD / 2) {
    const chord = CHORDS[Math.floor(t / CHORD) % CHORDS.length]!;
    voices.push({ start: t, dur: CHORD / 2, freq: hz(chord[0]! - 24), gain: 0.22, bright: 0.15, attack: 0.02 });
    for (const m of chord) voices.push({ start: t, dur: CHORD / 2, freq: hz(m - 12), gain: 0.045, bright: 0, attack: 0.4 });
  }
  return voices;
}

let rendered: Float32Array | null = null;

function render(): Float32Array {
  if (rendered) return rendered;
  const out = new Float32Array(STREAM_SECONDS * SAMPLE_RATE);
  for (const v of score()) {
    const first = Math.round(v.start * SAMPLE_RATE);
    const n = Math.round(v.dur * SAMPLE_RATE);
    for (let i = 0; i < n; i++) {
      const t = i / SAMPLE_RATE;
      // Quick attack, exponential decay, and a short release that reaches exactly zero at the end.
      const env = Math.min(1, t / v.attack) * Math.exp((-2.2 * t) / v.dur) * Math.min(1, (n - i) / (0.03 * SAMPLE_RATE));
      const phase = 2 * Math.PI * v.freq * t;
      out[first + i]! += v.gain * env * (Math.sin(phase) + v.bright * Math.sin(2 * phase) * 0.5);
    }
  }
  const fade = 2 * SAMPLE_RATE;
  for (let i = 0; i < fade; i++) out[out.length - 1 - i]! *= i / fade;
  rendered = out;
  return out;
}

export const CHUNK_COUNT = STREAM_SECONDS / CHUNK_SECONDS;

function wav(samples: Float32Array): Buffer {
  const data = samples.length * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16); // fmt chunk size
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(SAMPLE_RATE, 24);
  b.writeUInt32LE(SAMPLE_RATE * 2, 28); // byte rate
  b.writeUInt16LE(2, 32); // block align
  b.writeUInt16LE(16, 34); // bits per sample
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(data, 40);
  for (let i = 0; i < samples.length; i++) b.writeInt16LE(Math.round(Math.max(-1, Math.min(1, samples[i]! * MASTER)) * 32767), 44 + i * 2);
  return b;
}

const chunks = new Map<number, Buffer>();

/** Chunk `n` (0-based) as a standalone WAV file; undefined past the end. */
export function audioChunk(n: number): Buffer | undefined {
  if (!Number.isInteger(n) || n < 0 || n >= CHUNK_COUNT) return undefined;
  let c = chunks.get(n);
  if (!c) {
    const per = CHUNK_SECONDS * SAMPLE_RATE;
    c = wav(render().subarray(n * per, (n + 1) * per));
    chunks.set(n, c);
  }
  return c;
}
