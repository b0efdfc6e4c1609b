// The console's sign-in: the bearer token (in this module's memory only), who it names, and the requests that wait for one.
import { useSyncExternalStore } from 'react';

/** Where the console gets tokens: the service's own token endpoint (OAuth 2.0 client credentials). */
export const TOKEN_PATH = '/api/auth/oauth/token';

/** What a token says about its holder, read for display only: the service verifies it, the console does not. */
export interface Identity {
  /** client_id, else sub: the name shown. */
  name?: string;
  subject?: string;
  scopes: string[];
  /** Milliseconds since the epoch, from `exp`. */
  expiresAt?: number;
}

export interface Session {
  token: string;
  identity: Identity;
  via: 'client' | 'token';
}

/** Why the sign-in form is up: nothing was signed in, or the token in use was refused (expired, revoked). */
export type PromptReason = 'required' | 'refused';

export interface SessionState {
  session?: Session;
  /** Set while the sign-in form should be shown. */
  prompt?: { reason: PromptReason; message: string };
  /** The client id last signed in with, offered again when the form comes back. */
  lastClientId?: string;
  /**
   * The screens are rebuilt when it changes: on a sign-out (nothing loaded with the old token stays shown)
   * and on a sign-in that no request was waiting for (the header's Sign in, after the form was closed).
   */
  epoch: number;
  /** True once the service asked for a token: the header then offers to sign in. */
  authRequired: boolean;
  /** Set by Sign out until the next sign-in, so the form can say why it is back. */
  signedOut?: boolean;
}

// Deliberately a module variable: never localStorage, nor sessionStorage (which outlives a reload and
// is readable by any script of the origin), so the token lives exactly as long as this tab's page.
let state: SessionState = { epoch: 0, authRequired: false };
const listeners = new Set<() => void>();

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  /** What the request got (its 401): the waiting caller sees it if the user gives up. */
  refusal: unknown;
}
let waiters: Waiter[] = [];

function set(next: SessionState): void {
  state = next;
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function getSessionState(): SessionState {
  return state;
}

export function useSession(): SessionState {
  return useSyncExternalStore(subscribe, getSessionState);
}

export function currentToken(): string | undefined {
  return state.session?.token;
}

/**
 * A request was answered 401 with `sentToken` (or none). Settles when it may be sent again: at once when a
 * newer token is already there, else once the user has signed in. Rejects with `refusal` when the user
 * closes the form instead, and with the signal's reason when the caller gives up first.
 */
export function waitForSignIn(
  sentToken: string | undefined,
  refusal: unknown,
  message: string,
  signal?: AbortSignal,
): Promise<void> {
  if (state.session && state.session.token !== sentToken) return Promise.resolve();
  if (signal?.aborted) return Promise.reject(signal.reason);
  const refused = sentToken !== undefined && state.session?.token === sentToken;
  return new Promise<void>((resolve, reject) => {
    const waiter: Waiter = { resolve, reject, refusal };
    waiters.push(waiter);
    signal?.addEventListener(
      'abort',
      () => {
        waiters = waiters.filter((w) => w !== waiter);
        reject(signal.reason);
      },
      { once: true },
    );
    set({
      ...state,
      authRequired: true,
      // The refused token is forgotten: it will not work again.
      session: refused ? undefined : state.session,
      prompt: state.prompt ?? { reason: refused ? 'refused' : 'required', message },
    });
  });
}

/** Signs in with a token: requests waiting for one are sent again with it. */
export function signIn(token: string, via: Session['via']): Session {
  const identity = identityOf(token);
  const session = { token, identity, via };
  set({
    ...state,
    session,
    prompt: undefined,
    signedOut: false,
    epoch: waiters.length === 0 ? state.epoch + 1 : state.epoch,
    ...(via === 'client' && identity.name ? { lastClientId: identity.name } : {}),
  });
  const settled = waiters;
  waiters = [];
  for (const waiter of settled) waiter.resolve();
  return session;
}

/** The user closed the sign-in form: the waiting requests fail with the 401 they got. */
export function cancelSignIn(): void {
  if (!state.prompt) return;
  set({ ...state, prompt: undefined });
  const settled = waiters;
  waiters = [];
  for (const waiter of settled) waiter.reject(waiter.refusal);
}

/** Opens the sign-in form without a request waiting (the header's Sign in). */
export function openSignIn(): void {
  if (!state.prompt) set({ ...state, prompt: { reason: 'required', message: '' } });
}

/**
 * Forgets the token, and the client id the form would offer again. The screens are rebuilt, so their next
 * request meets the 401 that asks again.
 */
export function signOut(): void {
  set({ epoch: state.epoch + 1, authRequired: true, signedOut: true });
}

/** The token endpoint did not give a token; `code` is its OAuth error (`invalid_client`, …) when it sent one. */
export class TokenRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TokenRequestError';
  }
}

/** Client credentials for a token (RFC 6749 §4.4), the secret in the form as the official SDK sends it. */
export async function requestClientToken(clientId: string, clientSecret: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(TOKEN_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: clientSecret,
      }).toString(),
      cache: 'no-store',
    });
  } catch (error) {
    throw new TokenRequestError(0, 'unreachable', `the service did not answer (${String(error)})`);
  }
  return readTokenAnswer(response, clientSecret);
}

/** The token from a token endpoint's answer, or its refusal as TokenRequestError (never echoing `secret`). */
export async function readTokenAnswer(response: Response, secret: string): Promise<string> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const hide = (value: string) => (secret ? value.split(secret).join('[hidden]') : value);
  if (!response.ok) {
    if (typeof record.error === 'string') {
      const description = typeof record.error_description === 'string' ? record.error_description : '';
      throw new TokenRequestError(response.status, hide(record.error), hide(description));
    }
    if (response.status === 404) {
      throw new TokenRequestError(404, 'not_found', 'this service has no token endpoint: is auth on?');
    }
    throw new TokenRequestError(
      response.status,
      `HTTP_${response.status}`,
      hide(text.slice(0, 200)) || response.statusText,
    );
  }
  if (typeof record.access_token !== 'string' || record.access_token === '') {
    throw new TokenRequestError(response.status, 'invalid_response', 'the answer holds no access token');
  }
  return record.access_token;
}

/**
 * Who a token names, from its JWT payload (client_id or sub, the scopes, exp). Display only: the payload
 * is read, not verified; an opaque token names nobody.
 */
export function identityOf(token: string): Identity {
  const claims = jwtClaims(token);
  if (!claims) return { scopes: [] };
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const scopes = new Set<string>();
  for (const value of [claims.scope, claims.scp]) {
    const words = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
    for (const word of words) if (typeof word === 'string' && word !== '') scopes.add(word);
  }
  const name = text(claims.client_id) ?? text(claims.sub) ?? text(claims.azp);
  const subject = text(claims.sub);
  return {
    ...(name ? { name } : {}),
    ...(subject ? { subject } : {}),
    scopes: [...scopes],
    ...(typeof claims.exp === 'number' ? { expiresAt: claims.exp * 1000 } : {}),
  };
}

function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '='));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const claims: unknown = JSON.parse(json);
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
