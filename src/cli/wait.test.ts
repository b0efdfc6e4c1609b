import { describe, expect, it } from 'vitest';
import { Progress } from './wait.js';

/** A stderr stand-in that records what is written. */
function fakeStream(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  const stream = { isTTY, columns, write: (text: string) => writes.push(text) > 0 };
  return { writes, stream: stream as unknown as NodeJS.WriteStream };
}

describe('Progress', () => {
  it('writes one line per change when stderr is not a terminal, and no repeated final line', () => {
    const { writes, stream } = fakeStream(false);
    const progress = new Progress(stream);
    progress.update('uninstall: PROCESSING');
    progress.update('uninstall: PROCESSING');
    progress.update('uninstall: SUCCEEDED');
    progress.finish('uninstall: SUCCEEDED');
    expect(writes).toHaveLength(2);
    expect(writes[0]).toMatch(/^uninstall: PROCESSING \(\d+s\)\n$/);
    expect(writes[1]).toMatch(/^uninstall: SUCCEEDED \(\d+s\)\n$/);
  });

  it('rewrites one line in place on a terminal, cut to its width, and ends it with the final message', () => {
    const { writes, stream } = fakeStream(true, 20);
    const progress = new Progress(stream);
    progress.update('first sync: 1/3 schedules done, 12 items');
    progress.finish('first sync done');
    expect(writes[0]).toBe('\r\u001b[Kfirst sync: 1/3 sch');
    const end = writes.slice(1).join('');
    expect(end.startsWith('\r\u001b[Kfirst sync done (')).toBe(true);
    expect(end.endsWith('s)\n')).toBe(true);
  });

  it('off a terminal, writes a new line only when the key changes, not the message', () => {
    const { writes, stream } = fakeStream(false);
    const progress = new Progress(stream);
    progress.update('approve: PENDING; checks again in 8s', 'PENDING');
    progress.update('approve: PENDING; checks again in 7s', 'PENDING');
    expect(progress.changes('PENDING')).toBe(false);
    expect(progress.changes('SUCCEEDED')).toBe(true);
    progress.update('approve: SUCCEEDED', 'SUCCEEDED');
    expect(writes).toHaveLength(2);
    expect(writes[0]).toMatch(/^approve: PENDING; checks again in 8s \(\d+s\)\n$/);
    expect(writes[1]).toMatch(/^approve: SUCCEEDED \(\d+s\)\n$/);
  });

  it('on a terminal, keeps a rewritten line when asked, so the next update starts its own', () => {
    const { writes, stream } = fakeStream(true, 80);
    const progress = new Progress(stream);
    progress.update('approve: PENDING');
    progress.keep();
    progress.update('approve: SUCCEEDED');
    expect(writes[1]).toBe('\n');
    expect(writes[2]?.startsWith('\r\u001b[Kapprove: SUCCEEDED (')).toBe(true);
  });
});
