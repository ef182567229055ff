/**
 * The gallery: plates drawn as SVG in code, each with its own price. The free preview is a small
 * blurred sketch (background and silhouette only), so it gives nothing of the paid plate away.
 */

export interface Plate {
  id: string;
  title: string;
  caption: string;
  price: bigint;
  /** Background colours, top and bottom. */
  sky: [string, string];
  /** The object's main colour, which is all the preview shows of it. */
  tone: string;
  draw: () => string;
}

const W = 800;
const H = 600;

function coin(opts: { r: number; metal: [string, string]; rim: number; legend: string; centre: string; rays?: number; hole?: number }): string {
  const { r, metal, rim, legend, centre, rays = 0, hole = 0 } = opts;
  const cx = W / 2;
  const cy = H / 2;
  const rayLines = Array.from({ length: rays }, (_, i) => {
    const a = (i / rays) * Math.PI * 2;
    const r1 = r * 0.42;
    const r2 = r - rim - 30;
    return `<line x1="${(cx + r1 * Math.cos(a)).toFixed(1)}" y1="${(cy + r1 * Math.sin(a)).toFixed(1)}" x2="${(cx + r2 * Math.cos(a)).toFixed(1)}" y2="${(cy + r2 * Math.sin(a)).toFixed(1)}" stroke="${metal[1]}" stroke-width="3" opacity=".55"/>`;
  }).join('');
  const textR = r - rim - 16;
  return `
<defs>
  <radialGradient id="metal" cx="40%" cy="35%" r="75%"><stop offset="0" stop-color="${metal[0]}"/><stop offset="1" stop-color="${metal[1]}"/></radialGradient>
  <path id="legend" d="M ${cx - textR} ${cy} a ${textR} ${textR} 0 1 1 ${2 * textR} 0 a ${textR} ${textR} 0 1 1 ${-2 * textR} 0"/>
</defs>
<ellipse cx="${cx + 14}" cy="${cy + 22}" rx="${r}" ry="${r * 0.96}" fill="#000" opacity=".25"/>
<circle cx="${cx}" cy="${cy}" r="${r}" fill="url(#metal)" stroke="${metal[1]}" stroke-width="4"/>
<circle cx="${cx}" cy="${cy}" r="${r - rim}" fill="none" stroke="${metal[1]}" stroke-width="3" opacity=".8"/>
${rayLines}
<text font-family="Georgia, serif" font-size="26" letter-spacing="6" fill="${metal[1]}"><textPath href="#legend">${legend}</textPath></text>
<text x="${cx}" y="${cy + 34}" text-anchor="middle" font-family="Georgia, serif" font-size="${r * 0.42}" fill="${metal[1]}">${centre}</text>
${hole ? `<circle cx="${cx}" cy="${cy}" r="${hole}" fill="#2b2f33" stroke="${metal[1]}" stroke-width="4"/>` : ''}`;
}

function tally(): string {
  const notches = [90, 60, 60, 30, 30, 30, 12, 12, 6, 6, 6];
  let x = 150;
  const cuts = notches
    .map((w) => {
      const s = `<path d="M ${x} 262 l ${w / 2} 34 l ${w / 2} -34 z" fill="#5a3b1e"/>`;
      x += w + 14;
      return s;
    })
    .join('');
  return `
<rect x="110" y="262" width="600" height="80" rx="10" fill="#c8a46a" stroke="#7a5a2e" stroke-width="4"/>
<line x1="110" y1="302" x2="710" y2="302" stroke="#7a5a2e" stroke-width="2" stroke-dasharray="12 6"/>
${cuts}
<text x="410" y="392" text-anchor="middle" font-family="Georgia, serif" font-style="italic" font-size="24" fill="#3a2a14">Rec. de Willelmo de Ely · Mich. anno xii</text>`;
}

function note(): string {
  const border = Array.from({ length: 18 }, (_, i) => `<circle cx="${225 + i * 20}" cy="120" r="6" fill="none" stroke="#3d3a7a" stroke-width="2"/><circle cx="${225 + i * 20}" cy="500" r="6" fill="none" stroke="#3d3a7a" stroke-width="2"/>`).join('');
  const strings = Array.from({ length: 10 }, (_, i) => `<circle cx="${300 + (i % 5) * 50}" cy="${340 + Math.floor(i / 5) * 50}" r="18" fill="#b08a3e" stroke="#5a4420" stroke-width="3"/><rect x="${294 + (i % 5) * 50}" y="${334 + Math.floor(i / 5) * 50}" width="12" height="12" fill="#efe4c8"/>`).join('');
  return `
<rect x="200" y="90" width="400" height="440" fill="#efe4c8" stroke="#3d3a7a" stroke-width="6"/>
<rect x="220" y="110" width="360" height="400" fill="none" stroke="#3d3a7a" stroke-width="2"/>
${border}
<text x="400" y="190" text-anchor="middle" font-family="serif" font-size="44" fill="#3d3a7a">交 子</text>
<text x="400" y="250" text-anchor="middle" font-family="Georgia, serif" font-size="22" fill="#3d3a7a">one string of cash</text>
${strings}
<rect x="470" y="420" width="80" height="70" fill="#b3261e" opacity=".85"/>`;
}

export const PLATES: readonly Plate[] = [
  {
    id: 'rai-stone',
    title: 'Rai stone, Yap',
    caption: 'A limestone disc quarried on Palau, carried home by canoe, and never moved again.',
    price: 4n,
    sky: ['#9fd3c7', '#385f71'],
    tone: '#b9b4a6',
    draw: () => coin({ r: 230, metal: ['#d9d5c7', '#6f6a5d'], rim: 24, legend: 'TABINAW · RUNGUY · YAP ·', centre: '', hole: 48 }),
  },
  {
    id: 'tally-stick',
    title: 'Exchequer tally',
    caption: 'Notches for pounds, split lengthwise: the stock to the payer, the foil to the Exchequer.',
    price: 5n,
    sky: ['#f4ead5', '#c9b48a'],
    tone: '#c8a46a',
    draw: tally,
  },
  {
    id: 'jiaozi',
    title: 'Jiaozi note, Sichuan',
    caption: 'A deposit receipt from Chengdu that became the first paper money a state issued.',
    price: 6n,
    sky: ['#d8d2c4', '#8c8474'],
    tone: '#efe4c8',
    draw: note,
  },
  {
    id: 'ducat',
    title: 'Venetian ducat',
    caption: 'Three and a half grams of gold that kept its weight for five centuries.',
    price: 5n,
    sky: ['#1d2b4c', '#0b1020'],
    tone: '#d4a72c',
    draw: () => coin({ r: 200, metal: ['#ffe08a', '#a2760f'], rim: 18, legend: 'SIT T XPE DAT Q TV REGIS ISTE DVCAT ·', centre: 'D', rays: 24 }),
  },
  {
    id: 'cartwheel',
    title: 'Cartwheel penny, 1797',
    caption: 'Struck on steam presses at Soho: a full ounce of copper with a broad raised rim.',
    price: 4n,
    sky: ['#e6d3c2', '#7d5a48'],
    tone: '#a0522d',
    draw: () => coin({ r: 215, metal: ['#e0936a', '#6b2f16'], rim: 42, legend: 'GEORGIUS III · D G REX · 1797 ·', centre: '1d', rays: 0 }),
  },
  {
    id: 'trade-token',
    title: 'Trade token, 1666',
    caption: 'A farthing token of a London innkeeper, good only at the sign of the Bell.',
    price: 3n,
    sky: ['#cfd8c6', '#5f6f52'],
    tone: '#b5a04a',
    draw: () => coin({ r: 170, metal: ['#e6d27a', '#6e5f1c'], rim: 14, legend: 'AT THE BELL IN CHEAPSIDE ·', centre: '¼', rays: 12 }),
  },
];

export function plateById(id: string): Plate | undefined {
  return PLATES.find((p) => p.id === id);
}

function frame(p: Plate, inner: string, width: number, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${W} ${H}">
<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${p.sky[0]}"/><stop offset="1" stop-color="${p.sky[1]}"/></linearGradient>
<filter id="soft" x="-50%" y="-50%" width="200%" height="200%"><feGaussianBlur stdDeviation="28"/></filter></defs>
<rect width="${W}" height="${H}" fill="url(#sky)"/>
${inner}
</svg>
`;
}

/** The paid plate, full size with every detail. */
export function plateSvg(p: Plate): string {
  return frame(p, p.draw(), W, H);
}

/** The free preview: a blurred blot of the object's colour on its background, at a fifth of the size. */
export function previewSvg(p: Plate): string {
  return frame(p, `<ellipse cx="${W / 2}" cy="${H / 2}" rx="220" ry="170" fill="${p.tone}" filter="url(#soft)"/>`, W / 5, H / 5);
}
