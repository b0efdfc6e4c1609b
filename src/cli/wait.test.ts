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
});
