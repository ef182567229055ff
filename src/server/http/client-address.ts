/**
 * Who is asking, for per-client bounds: the connection's address, or behind a trusted reverse
 * proxy the last X-Forwarded-For entry (the one that proxy appended; any before it are the
 * client's own claims). An IPv6 client is counted by its /64, which one subscriber usually holds
 * whole: per-address limits would mean nothing to someone with 2^64 addresses.
 */
import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';

/** The 8 hextets of an IPv6 address (`::` expanded, an embedded IPv4 tail as two hextets). */
function hextets(address: string): string[] | null {
  let a = address;
  const v4 = /:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4) {
    const [b0, b1, b2, b3] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    a = `${a.slice(0, v4.index)}:${((b0 << 8) | b1).toString(16)}:${((b2 << 8) | b3).toString(16)}`;
  }
  const [head, tail] = a.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  const all = [...left, ...fill, ...right];
  return all.length === 8 ? all.map((h) => parseInt(h, 16).toString(16)) : null;
}

/** The key per-client bounds count under: an IPv4 address, or an IPv6 /64 as `xxxx:xxxx:xxxx:xxxx::/64`. */
export function clientKey(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return 'unknown';
  const h = hextets(bare);
  if (!h) return 'unknown';
  // An IPv4-mapped address (::ffff:a.b.c.d) is that IPv4 client.
  if (h.slice(0, 5).every((x) => x === '0') && h[5] === 'ffff') {
    const n = (parseInt(h[6]!, 16) << 16) | parseInt(h[7]!, 16);
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  }
  return `${h.slice(0, 4).join(':')}::/64`;
}

export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const list = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded ?? '').split(',');
    const last = list[list.length - 1]!.trim();
    if (last) return clientKey(last);
  }
  return clientKey(req.socket.remoteAddress ?? '');
}
