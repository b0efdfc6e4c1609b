import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordingFetch, Redactor, REDACTED, replayingFetch } from './capture.js';

const SECRET = 'pk_live_9f8e7d6c';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('Redactor', () => {
  const redactor = new Redactor([SECRET, 'p@ss word']);

  it('removes configured secrets wherever they appear, URL-encoded ones included', () => {
    expect(redactor.url(`https://psp.test/v1/x?key=${SECRET}&q=p%40ss%20word`)).toBe(
      `https://psp.test/v1/x?key=${REDACTED}&q=${REDACTED}`,
    );
    expect(redactor.json({ note: `uses ${SECRET}`, nested: [{ k: SECRET }] })).toEqual({
      note: `uses ${REDACTED}`,
      nested: [{ k: REDACTED }],
    });
  });

  it('removes credential headers, token fields of an OAuth answer and bearer tokens in text', () => {
    const headers = redactor.headers(
      new Headers({
        Authorization: 'Basic dXNlcjpwYXNz',
        'X-Api-Key': 'k',
        'Set-Cookie': 'sid=1',
        'X-Request-Id': 'r-1',
      }),
    );
    expect(headers).toEqual({
      authorization: REDACTED,
      'x-api-key': REDACTED,
      'set-cookie': REDACTED,
      'x-request-id': 'r-1',
    });
    const oauth = redactor.body(
      '{"access_token":"eyJabc","refresh_token":"r1","token_type":"bearer","expires_in":3600}',
      null,
    ).body as Record<string, unknown>;
    expect(oauth).toMatchObject({ access_token: REDACTED, refresh_token: REDACTED, token_type: REDACTED });
    expect(String(oauth.expires_in)).toBe('3600');
    expect(redactor.body('sent Bearer eyJhbGciOi.x.y here', 'text/plain')).toEqual({
      text: `sent Bearer ${REDACTED} here`,
    });
    expect(
      redactor.body('grant_type=client_credentials&client_secret=abc', 'application/x-www-form-urlencoded'),
    ).toEqual({ text: `grant_type=client_credentials&client_secret=${REDACTED}` });
  });

  it('keeps JSON numbers exactly as the PSP wrote them', () => {
    const redacted = redactor.body('{"amount":12345678901234567890,"rate":1.50}', 'application/json');
    expect(String((redacted.body as { amount: unknown }).amount)).toBe('12345678901234567890');
    expect(String((redacted.body as { rate: unknown }).rate)).toBe('1.50');
  });
});

describe('recordingFetch and replayingFetch', () => {
  it('replays repeated requests in recorded order, and names a request it has no answer for', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pb-capture-'));
    let n = 0;
    const psp = async () => new Response(JSON.stringify({ n: ++n }), { status: 200 });
    const redactor = new Redactor([SECRET]);
    const record = recordingFetch(psp, dir, redactor);
    for (let i = 0; i < 2; i++) {
      await (await record(`https://psp.test/a?key=${SECRET}`, { headers: { authorization: SECRET } })).text();
    }
    const files = await readdir(dir);
    expect(files.sort()).toEqual(['0001-get-a.json', '0002-get-a.json']);
    for (const file of files) expect(await readFile(join(dir, file), 'utf8')).not.toContain(SECRET);

    const replay = await replayingFetch(dir, redactor);
    const answers = [];
    for (let i = 0; i < 2; i++)
      answers.push(await (await replay.fetch(`http://elsewhere/a?key=${SECRET}`)).json());
    expect(answers).toEqual([{ n: 1 }, { n: 2 }]);
    await expect(replay.fetch('http://elsewhere/a?key=x')).rejects.toThrow(
      `no recorded exchange left in ${dir} for GET /a?key=x`,
    );
  });
});
