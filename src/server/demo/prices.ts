/** What the demo site charges, in satoshis (gallery plates carry their own prices in gallery.ts). */
export const PRICES = {
  article: 10n,
  quote: 1n,
  timeline: 2n,
  streamPerSecond: 1n,
} as const;
