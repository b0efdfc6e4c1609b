// The auto-refresh clock's holds that need no browser: a signed-out console does not reload behind the
// user's back (each reload would meet the 401 and open the sign-in form again).
import { describe, expect, it } from 'vitest';
import { signIn, signOut } from './session.js';
import { currentHold } from './use-load.js';

describe('the auto-refresh hold', () => {
  it('holds while the service wants a token and there is none, and lets go once signed in', () => {
    expect(currentHold()).toBeUndefined();
    signOut();
    expect(currentHold()).toBe('signed-out');
    signIn('opaque-token', 'token');
    expect(currentHold()).toBeUndefined();
  });
});
