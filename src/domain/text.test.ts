import { describe, expect, it } from 'vitest';
import { parseJson } from './json.js';
import { findJsonProblem, textProblem } from './text.js';

describe('storable text', () => {
  it('is well-formed Unicode without NUL', () => {
    expect(textProblem('plain, accentué, 日本, 😀')).toBeUndefined();
    expect(textProblem('a\u0000b')).toContain('NUL');
    expect(textProblem('\ud800')).toContain('unpaired surrogate');
    expect(textProblem('x\udc00')).toContain('unpaired surrogate');
    expect(textProblem('\ud83d\ude00')).toBeUndefined();
  });

  it('is checked in JSON values and keys at any depth, naming where', () => {
    expect(findJsonProblem(parseJson('{"a":[1,{"b":"ok"}],"c":{"d":true}}'))).toBeUndefined();
    expect(findJsonProblem(parseJson('{"a":[1,{"b":"\\u0000"}]}'), 'body')).toEqual({
      path: 'body.a.1.b',
      problem: expect.stringContaining('NUL') as unknown,
    });
    const key = findJsonProblem(parseJson('{"metadata":{"k\\ud800":"v"}}'));
    expect(key?.path).toBe('metadata."k\\ud800"');
    expect(key?.problem).toContain('key');
  });

  it('refuses __proto__ keys, which an object cannot hold faithfully', () => {
    expect(findJsonProblem(parseJson('{"metadata":{"__proto__":"v"}}'))?.path).toBe('metadata.__proto__');
    expect(findJsonProblem(parseJson('{"constructor":"v","prototype":"w"}'))).toBeUndefined();
  });

  it('walks deep values without exhausting the stack', () => {
    let deep: unknown = '\u0000';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(findJsonProblem(deep)?.problem).toContain('NUL');
  });
});
