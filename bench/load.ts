/**
 * HTTP load for the server benchmarks: a load generator in a child process (its CPU is not billed
 * to the server under test), keep-alive connections, one stream of requests per connection sent
 * in order; and the CPU and wall time the server's process spends meanwhile.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** One connection's requests: `bodies` POSTed in order, or `count` GETs. */
export interface LoadStream {
  port: number;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  bodies?: string[];
  count?: number;
}

export const requestsIn = (streams: LoadStream[]): number => streams.reduce((n, s) => n + (s.bodies?.length ?? s.count ?? 0), 0);

/** Plain JavaScript, so the child needs no TypeScript loader. Reads its work from a file, starts on a line on stdin. */
const LOAD_GENERATOR = `
const http = require('node:http');
const { streams } = JSON.parse(require('node:fs').readFileSync(process.argv[1], 'utf8'));
function send(agent, s, body) {
  return new Promise((resolve, reject) => {
    const headers = { ...(s.headers || {}) };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    const req = http.request({ host: '127.0.0.1', port: s.port, path: s.path, method: s.method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}
async function run(s) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let failures = 0;
  const n = s.bodies ? s.bodies.length : s.count;
  for (let i = 0; i < n; i++) if ((await send(agent, s, s.bodies ? s.bodies[i] : undefined)) !== 200) failures++;
  agent.destroy();
  return failures;
}
process.stdout.write('ready\\n');
process.stdin.once('data', async () => {
  const failures = (await Promise.all(streams.map(run))).reduce((a, b) => a + b, 0);
  process.stdout.write(JSON.stringify({ failures }) + '\\n');
  process.exit(0);
});
`;

/** Starts the load generator on `streams`; resolves once it is ready, with a function that runs it and waits for the end. */
export async function loadGenerator(dir: string, streams: LoadStream[]): Promise<() => Promise<{ failures: number }>> {
  const workFile = join(dir, `load-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(workFile, JSON.stringify({ streams }));
  const child = spawn(process.execPath, ['-e', LOAD_GENERATOR, workFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const lines: ((line: string) => void)[] = [];
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      lines.shift()?.(line);
    }
  });
  const nextLine = () => new Promise<string>((resolve) => lines.push(resolve));
  await nextLine();
  return async () => {
    const result = nextLine();
    child.stdin.write('go\n');
    return JSON.parse(await result) as { failures: number };
  };
}

/** CPU seconds this process used while `work` ran, and the wall seconds. */
export async function timed<T>(work: () => Promise<T>): Promise<{ result: T; cpuS: number; wallS: number }> {
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const result = await work();
  const used = process.cpuUsage(cpu);
  return { result, cpuS: (used.user + used.system) / 1e6, wallS: (performance.now() - wall) / 1000 };
}

/** Runs `streams` against a server of this process: its CPU and wall seconds; throws if any request was refused. */
export async function runLoad(dir: string, streams: LoadStream[], what: string): Promise<{ cpuS: number; wallS: number; requests: number }> {
  const { result, cpuS, wallS } = await timed(await loadGenerator(dir, streams));
  if (result.failures > 0) throw new Error(`${result.failures} ${what} requests failed`);
  return { cpuS, wallS, requests: requestsIn(streams) };
}

export function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

export function shut(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * CPU microseconds per request of a bare node:http server under the same load: it reads each
 * body, parses it as JSON and answers `answer`. No server on node:http can spend less per request.
 */
export async function httpFloorUs(dir: string, streams: LoadStream[], answer: string): Promise<number> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (chunks.length) JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    });
  });
  const port = await listen(server);
  try {
    const { cpuS, requests } = await runLoad(dir, streams.map((s) => ({ ...s, port })), 'floor');
    return (cpuS * 1e6) / requests;
  } finally {
    await shut(server);
  }
}
