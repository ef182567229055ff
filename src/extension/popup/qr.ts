/**
 * QR codes for payment requests, drawn by the `uqr` package (ISO/IEC 18004; byte mode, error
 * correction M, best mask). This module only adapts it to the popup: a size limit that keeps the
 * code scannable from a phone, and an SVG path with the standard 4-module quiet zone.
 */
import { encode } from 'uqr';

/** Version 15 (77×77 modules) is as dense as a phone camera reads reliably off a popup. */
const MAX_VERSION = 15;

export interface QrCode {
  size: number;
  /** modules[y][x]: true = dark. */
  modules: boolean[][];
}

export function encodeQr(text: string): QrCode {
  try {
    const qr = encode(text, { ecc: 'M', border: 0, maxVersion: MAX_VERSION });
    return { size: qr.size, modules: qr.data };
  } catch (err) {
    throw new Error(`text too long for a QR code (${text.length} characters)`, { cause: err });
  }
}

/** An SVG path for the dark modules, with a 4-module quiet zone; rendered as a plain <svg>. */
export function qrSvgPath(qr: QrCode): { viewBox: string; d: string } {
  const parts: string[] = [];
  for (let y = 0; y < qr.size; y++)
    for (let x = 0; x < qr.size; x++) if (qr.modules[y]![x]) parts.push(`M${x + 4},${y + 4}h1v1h-1z`);
  return { viewBox: `0 0 ${qr.size + 8} ${qr.size + 8}`, d: parts.join('') };
}
