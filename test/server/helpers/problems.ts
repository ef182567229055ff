/** Assertions for refused requests: the problem body, and a store left exactly as it was. */
import assert from 'node:assert/strict';
import { snapshot } from './snapshot.ts';

/** A response body: a problem document when the request was refused. */
export interface AnswerBody {
  code?: string;
  status?: number;
  detail?: string;
  [field: string]: unknown;
}

export interface Answer {
  status: number;
  contentType: string | null;
  body: AnswerBody;
  headers: Headers;
}

export async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: AnswerBody = { text };
  try {
    body = JSON.parse(text) as AnswerBody;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, contentType: res.headers.get('content-type'), body, headers: res.headers };
}

export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return send(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

export function assertProblem(a: Answer, status: number, code: string): void {
  assert.equal(a.status, status, `expected ${status} ${code}, got ${a.status} ${JSON.stringify(a.body)}`);
  assert.match(a.contentType ?? '', /^application\/problem\+json/);
  assert.equal(a.body.code, code, JSON.stringify(a.body));
  assert.equal(a.body.status, status);
  assert.equal(typeof a.body.detail, 'string');
}

/** Runs a refused request and checks that not one row of the store changed. */
export async function refusedWithoutTrace(dbPath: string, request: () => Promise<Answer>, status: number, code: string): Promise<Answer> {
  const before = snapshot(dbPath);
  const answer = await request();
  assertProblem(answer, status, code);
  assert.deepEqual(snapshot(dbPath), before, `the store changed after a refused ${code}`);
  return answer;
}
