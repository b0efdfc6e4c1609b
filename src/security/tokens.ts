// Access tokens: signing Paybridge's own (RFC 9068 JWTs) and verifying both those and an external issuer's.
import { randomUUID } from 'node:crypto';
import {
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  SignJWT,
} from 'jose';
import type { Db } from '../storage/db.js';
import { activeClientIds } from '../storage/auth-clients.js';
import { type ExternalIssuer, IssuerUnavailableError, sameIssuer } from './external-issuer.js';
import { type Scope, scopeText } from './scopes.js';
import type { SigningKeys } from './signing-keys.js';

/**
 * How far `exp` and `nbf` may be off, for clocks that disagree a little between the issuer and us (and
 * between our own processes). Thirty seconds is the usual allowance; a token is never short-lived enough
 * for it to matter.
 */
export const CLOCK_TOLERANCE_S = 30;

/**
 * Algorithms accepted from an external issuer: asymmetric only. `none` and every HS* are refused, so a
 * token "signed" with no key, or with an HMAC keyed by a published public key, can never pass.
 */
export const EXTERNAL_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** A revoked client's tokens stop working within this long (each process re-reads the clients it sees). */
const CLIENT_STATUS_MAX_AGE_MS = 1000;

/** Who called: the token's subject and client, and what it may do. */
export interface Principal {
  subject: string;
  clientId?: string;
  scopes: ReadonlySet<string>;
  issuer: string;
}

/** The token was refused; the message says why and is safe to return (it never contains the token). */
export class InvalidTokenError extends Error {}

export interface BuiltInIssuer {
  /** The service's public URL. */
  issuer: string;
  /** The `aud` of the tokens Paybridge signs. */
  audience: string;
  keys: SigningKeys;
  tokenTtlMs: number;
}

/** Signs the access tokens the token endpoint hands out. */
export async function issueAccessToken(
  builtIn: BuiltInIssuer,
  clientId: string,
  scopes: readonly Scope[],
): Promise<{ token: string; expiresIn: number }> {
  const key = await builtIn.keys.signingKey();
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = Math.max(1, Math.floor(builtIn.tokenTtlMs / 1000));
  const token = await new SignJWT({ client_id: clientId, scope: scopeText(scopes) })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(builtIn.issuer)
    .setSubject(clientId)
    .setAudience(builtIn.audience)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + expiresIn)
    .setJti(randomUUID())
    .sign(key.key);
  return { token, expiresIn };
}

/** Scopes from `scope` (space-separated, RFC 9068 and Formance) or `scp` (a list or a string, Azure AD, Okta). */
function scopesOf(claims: JWTPayload): Set<string> {
  const scopes = new Set<string>();
  const add = (value: unknown) => {
    const words = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
    for (const word of words) if (typeof word === 'string' && word !== '') scopes.add(word);
  };
  add(claims.scope);
  add(claims.scp);
  return scopes;
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'the token is not valid yet';
    return `the token's "${error.claim}" claim is not accepted (${error.reason})`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return 'the token is signed with an algorithm that is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'the token names a key the issuer does not publish';
  if (error instanceof errors.JOSEError) return `the token is not a valid JWT (${error.code})`;
  return 'the token is not a valid JWT';
}

/** Verifies bearer tokens: Paybridge's own, and those of the external issuer when one is configured. */
export class TokenVerifier {
  readonly #builtIn: BuiltInIssuer;
  readonly #external: ExternalIssuer | undefined;
  readonly #audience: string | undefined;
  readonly #db: Db;
  readonly #clientStatus = new Map<string, { active: boolean; checkedAt: number }>();

  /** `audience`: when set, required in the `aud` of external tokens too. */
  constructor(options: { builtIn: BuiltInIssuer; external?: ExternalIssuer; audience?: string; db: Db }) {
    this.#builtIn = options.builtIn;
    this.#external = options.external;
    this.#audience = options.audience;
    this.#db = options.db;
  }

  async verify(token: string): Promise<Principal> {
    let issuer: unknown;
    try {
      decodeProtectedHeader(token);
      issuer = decodeJwt(token).iss;
    } catch {
      throw new InvalidTokenError('the token is not a valid JWT');
    }
    if (typeof issuer !== 'string') throw new InvalidTokenError('the token names no issuer');
    // The key set is chosen by the issuer the token claims; the signature then proves the claim.
    if (sameIssuer(issuer, this.#builtIn.issuer)) return this.#verifyBuiltIn(token);
    if (this.#external && sameIssuer(issuer, this.#external.issuer)) {
      return this.#verifyExternal(token, this.#external);
    }
    throw new InvalidTokenError('the token is from an issuer this service does not trust');
  }

  async #verifyBuiltIn(token: string): Promise<Principal> {
    const keys = this.#builtIn.keys;
    const getKey: JWTVerifyGetKey = async (header) => {
      const key = header.kid === undefined ? undefined : await keys.verificationKey(header.kid);
      if (!key) throw new errors.JWKSNoMatchingKey();
      if (key.alg !== header.alg) throw new errors.JOSEAlgNotAllowed('unexpected algorithm');
      return key.key;
    };
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, getKey, {
        issuer: this.#builtIn.issuer,
        audience: this.#builtIn.audience,
        algorithms: ['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA'],
        typ: 'at+jwt',
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp', 'sub', 'client_id'],
      }));
    } catch (error) {
      throw new InvalidTokenError(describe(error));
    }
    const clientId = String(claims.client_id);
    if (!(await this.#clientActive(clientId)))
      throw new InvalidTokenError('the client of this token was revoked');
    return { subject: String(claims.sub), clientId, scopes: scopesOf(claims), issuer: this.#builtIn.issuer };
  }

  async #verifyExternal(token: string, external: ExternalIssuer): Promise<Principal> {
    let claims: JWTPayload;
    try {
      const keySet = await external.keySet();
      ({ payload: claims } = await jwtVerify(token, keySet, {
        issuer: external.issuerNames,
        ...(this.#audience === undefined ? {} : { audience: this.#audience }),
        algorithms: EXTERNAL_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      if (error instanceof IssuerUnavailableError) throw new InvalidTokenError(error.message);
      throw new InvalidTokenError(describe(error));
    }
    const clientId = [claims.client_id, claims.azp].find((value) => typeof value === 'string');
    const subject = typeof claims.sub === 'string' ? claims.sub : clientId;
    if (typeof subject !== 'string') throw new InvalidTokenError('the token names no subject');
    return {
      subject,
      ...(typeof clientId === 'string' ? { clientId } : {}),
      scopes: scopesOf(claims),
      issuer: external.issuer,
    };
  }

  /** Whether a client is still active; read again when the answer is more than a second old. */
  async #clientActive(clientId: string): Promise<boolean> {
    const known = this.#clientStatus.get(clientId);
    if (known && Date.now() - known.checkedAt < CLIENT_STATUS_MAX_AGE_MS) return known.active;
    const active = (await activeClientIds(this.#db, [clientId])).has(clientId);
    // Only clients named by a correctly signed token get here, so the map stays as small as the client list.
    this.#clientStatus.set(clientId, { active, checkedAt: Date.now() });
    return active;
  }
}
