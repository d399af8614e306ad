/**
 * Gemini's :streamGenerateContent without alt=sse, restored element by element: an element is
 * held until it is complete, and an answer that turns out not to be an array is collected whole.
 * Neither had a bound: an upstream that sent one element (or one JSON object) of any size had the
 * gateway hold all of it, where an SSE event stops at 16 MiB and a JSON answer at
 * limits.max_answer. Past limits.max_answer the gateway now stops reading the upstream, ends the
 * client's answer and records AIRLOCK_ANSWER_TOO_LARGE.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Gateway } from '../../src/gateway/server.js';
import {
  restoresNothing,
  startScriptedUpstream,
  type ScriptedUpstream,
} from '../helpers/scripted-upstream.js';

/** What the upstream offers: far more than limits.max_answer (1 MiB here), in 64 KiB writes. */
const OFFERED = 24 * 1024 * 1024;
const PIECE = Buffer.alloc(64 * 1024, 'x');

describe('a streamed JSON array to restore, past limits.max_answer', () => {
  let upstream: ScriptedUpstream;
  let gw: Gateway;
  /** Per answer: bytes written upstream-side, and whether all of it went. */
  const sent: { written: number; whole: boolean }[] = [];

  before(async () => {
    upstream = await startScriptedUpstream((req, res) => {
      req.resume();
      req.on('end', () => {
        const array = req.url?.includes('array') === true;
        const record = { written: 0, whole: false };
        sent.push(record);
        res.writeHead(200, { 'content-type': 'application/json' });
        const head = array ? '[{"candidates":[{"content":{"parts":[{"text":"' : '{"text":"';
        res.write(head);
        const pump = (): void => {
          while (record.written < OFFERED && !res.destroyed) {
            record.written += PIECE.length;
            if (!res.write(PIECE)) {
              res.once('drain', pump);
              return;
            }
          }
          if (res.destroyed) return;
          res.end(array ? '"}]}}]}]' : '"}', () => (record.whole = true));
        };
        pump();
      });
    });
    gw = await upstream.gateway({ limits: { max_answer: '1MiB' } }, restoresNothing);
  });
  after(() => upstream.close());

  /** Reads the answer to a stream request; resolves with what came and how it ended. */
  function stream(query: string): Promise<{ status: number; body: string; ended: 'end' | 'error' }> {
    return new Promise((resolve) => {
      const req = request(`${gw.url}/gemini/v1beta/models/m:streamGenerateContent?${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body, ended: 'end' }));
        res.on('error', () => resolve({ status: res.statusCode!, body, ended: 'error' }));
      });
      req.on('error', () => resolve({ status: 0, body: '', ended: 'error' }));
      req.end(JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }));
    });
  }

  /** The upstream's answer was cut short, and the exchange recorded with the reason. */
  function assertCut(): void {
    assert.equal(upstream.reports.at(-1)!.errorCode, 'AIRLOCK_ANSWER_TOO_LARGE');
    const record = sent.at(-1)!;
    assert.equal(record.whole, false);
    assert.ok(record.written < OFFERED, `the upstream wrote ${record.written} bytes`);
  }

  test('one element that never ends: the upstream stops being read, the answer begun is cut, recorded', async () => {
    const answer = await stream('shape=array');
    // The array's opening went out at once: the answer can only be cut.
    assert.equal(answer.ended, 'error');
    assert.ok(answer.body.length < OFFERED, `the client got ${answer.body.length} bytes`);
    assertCut();
  });

  test('an answer that is not an array: the upstream stops being read, a 502 in the Gemini shape, recorded', async () => {
    const answer = await stream('shape=object');
    // Collected to be restored whole, nothing of it went out: the client hears why.
    assert.equal(answer.status, 502);
    const error = (JSON.parse(answer.body) as { error: { message: string } }).error;
    assert.match(error.message, /limits\.max_answer/);
    assertCut();
  });
});
