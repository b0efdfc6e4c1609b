// The sign-in state: who a token names (display only), token endpoint answers, and requests waiting for a sign-in.
import { afterEach, describe, expect, it } from 'vitest';
import {
  cancelSignIn,
  getSessionState,
  identityOf,
  readTokenAnswer,
  signIn,
  signOut,
  TokenRequestError,
  waitForSignIn,
} from './session.js';

const jwt = (claims: Record<string, unknown>) =>
  ['{"alg":"ES256"}', JSON.stringify(claims), 'signature']
    .map((part, i) => (i < 2 ? Buffer.from(part).toString('base64url') : part))
    .join('.');

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

afterEach(() => {
  cancelSignIn();
  signOut();
});

describe('identityOf', () => {
  it('reads client_id (else sub), the scopes and exp from a JWT payload', () => {
    const token = jwt({ sub: 'pbc_1', client_id: 'pbc_1', scope: 'payments:read payments:write', exp: 2 });
    expect(identityOf(token)).toEqual({
      name: 'pbc_1',
      subject: 'pbc_1',
      scopes: ['payments:read', 'payments:write'],
      expiresAt: 2000,
    });
    expect(identityOf(jwt({ sub: 'ops-bot', scp: ['payments:read'] }))).toEqual({
      name: 'ops-bot',
      subject: 'ops-bot',
      scopes: ['payments:read'],
    });
    // Non-ASCII survives the base64url decoding.
    expect(identityOf(jwt({ sub: 'équipe' })).name).toBe('équipe');
  });

  it('names nobody for an opaque token', () => {
    expect(identityOf('opaque-token')).toEqual({ scopes: [] });
    expect(identityOf('a.%%%.c')).toEqual({ scopes: [] });
  });
});

describe('readTokenAnswer', () => {
  it('answers the access token', async () => {
    expect(await readTokenAnswer(json(200, { access_token: 'tok', token_type: 'Bearer' }), 's')).toBe('tok');
  });

  it('turns an OAuth error into TokenRequestError without the secret, even if the server echoes it', async () => {
    const error = await readTokenAnswer(
      json(401, { error: 'invalid_client', error_description: 'bad secret s3cret-value' }),
      's3cret-value',
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_client' });
    expect((error as Error).message).not.toContain('s3cret-value');
  });
});

describe('waiting for a sign-in', () => {
  it('asks, then lets the waiting requests go on with the new token', async () => {
    const waiting = waitForSignIn(undefined, new Error('401'), 'authentication required');
    expect(getSessionState().prompt).toEqual({ reason: 'required', message: 'authentication required' });
    signIn('new-token', 'token');
    await waiting;
    expect(getSessionState()).toMatchObject({ session: { token: 'new-token' }, prompt: undefined });
  });

  it('asks again when the token in use is refused, forgetting it but offering its client id again', async () => {
    const old = jwt({ client_id: 'pbc_3' });
    signIn(old, 'client');
    const refusal = new Error('the token has expired');
    const waiting = waitForSignIn(old, refusal, refusal.message);
    expect(getSessionState().session).toBeUndefined();
    expect(getSessionState().lastClientId).toBe('pbc_3');
    expect(getSessionState().prompt?.reason).toBe('refused');
    cancelSignIn();
    await expect(waiting).rejects.toBe(refusal);
  });

  it('does not ask when a newer token is already there', async () => {
    signIn('newer', 'token');
    await waitForSignIn('older', new Error('401'), '');
    expect(getSessionState().prompt).toBeUndefined();
  });

  it('stops waiting when the request is aborted', async () => {
    const controller = new AbortController();
    const waiting = waitForSignIn(undefined, new Error('401'), '', controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeDefined();
  });

  it('forgets the token on sign-out', () => {
    signIn(jwt({ client_id: 'pbc_2' }), 'client');
    const before = getSessionState().epoch;
    signOut();
    expect(getSessionState().session).toBeUndefined();
    // Signed out means nothing of the session stays, not even the client id to offer again.
    expect(getSessionState().lastClientId).toBeUndefined();
    expect(getSessionState().signedOut).toBe(true);
    expect(getSessionState().epoch).toBe(before + 1);
  });
});
