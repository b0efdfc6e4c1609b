// An external OpenID Connect issuer (Keycloak, Auth0, Formance's auth, …): its key set, found through
// discovery, fetched lazily, cached, and fetched again for an unknown kid no more often than a floor.
import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';

/** How long a discovery document or key set fetch may take. */
const FETCH_TIMEOUT_MS = 5000;
/** Keys are fetched again after this long even when no token names an unknown kid. */
const KEYS_MAX_AGE_MS = 10 * 60_000;

/** A failure to verify that is not the token's fault alone; its message is safe to return to the caller. */
export class IssuerUnavailableError extends Error {}

/** Issuer URLs compare without a trailing slash: `https://idp/` and `https://idp` are one issuer. */
export function sameIssuer(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

export class ExternalIssuer {
  readonly issuer: string;
  readonly #jwksUrl: string | undefined;
  readonly #floorMs: number;
  readonly #logger: Logger;
  #keySet: JWTVerifyGetKey | undefined;
  #discovering: Promise<JWTVerifyGetKey> | undefined;
  #failedAt = -Infinity;

  constructor(config: { issuer: string; jwksUrl?: string }, floorMs: number, logger: Logger) {
    this.issuer = config.issuer;
    this.#jwksUrl = config.jwksUrl;
    this.#floorMs = floorMs;
    this.#logger = logger;
  }

  /** Every spelling of the issuer a token may carry in `iss` (with and without a trailing slash). */
  get issuerNames(): string[] {
    const bare = this.issuer.replace(/\/+$/, '');
    return [bare, `${bare}/`];
  }

  /**
   * The key resolver for jose's jwtVerify. Discovery runs on first use; after a failure (discovery or a key
   * fetch) nothing is fetched again until the floor has passed, so an unreachable IdP is not hammered.
   */
  async keySet(): Promise<JWTVerifyGetKey> {
    if (this.#keySet) return this.#keySet;
    this.#discovering ??= this.#discover().finally(() => {
      this.#discovering = undefined;
    });
    return this.#discovering;
  }

  async #discover(): Promise<JWTVerifyGetKey> {
    this.#ensureNotCoolingDown();
    let jwksUrl: URL;
    try {
      jwksUrl = new URL(this.#jwksUrl ?? (await this.#discoverJwksUri()));
    } catch (error) {
      this.#failedAt = Date.now();
      this.#logger.warn(
        { err: error, issuer: this.issuer },
        'discovery of the external issuer failed; tokens it issued are refused until it succeeds',
      );
      throw new IssuerUnavailableError(`the keys of issuer ${this.issuer} could not be fetched`);
    }
    const remote = createRemoteJWKSet(jwksUrl, {
      cooldownDuration: this.#floorMs,
      cacheMaxAge: KEYS_MAX_AGE_MS,
      timeoutDuration: FETCH_TIMEOUT_MS,
    });
    this.#keySet = async (header, token) => {
      this.#ensureNotCoolingDown();
      try {
        return await remote(header, token);
      } catch (error) {
        // A key that is not there is the token's problem; a fetch that failed is the IdP's.
        if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
          throw error;
        if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
          throw error;
        this.#failedAt = Date.now();
        this.#logger.warn({ err: error, jwksUrl: jwksUrl.href }, 'fetching the external issuer keys failed');
        throw new IssuerUnavailableError(`the keys of issuer ${this.issuer} could not be fetched`);
      }
    };
    return this.#keySet;
  }

  #ensureNotCoolingDown(): void {
    if (Date.now() - this.#failedAt < this.#floorMs) {
      throw new IssuerUnavailableError(
        `the keys of issuer ${this.issuer} could not be fetched recently; try again shortly`,
      );
    }
  }

  /** OpenID Connect Discovery 1.0 §4: the document at `<issuer>/.well-known/openid-configuration`. */
  async #discoverJwksUri(): Promise<string> {
    const url = `${this.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(url, {
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      headers: { accept: 'application/json' },
      redirect: 'error',
    });
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    // §4.3: the issuer in the document must be the one configured, or its keys could sign for another.
    if (typeof document.issuer !== 'string' || !sameIssuer(document.issuer, this.issuer)) {
      throw new Error(`${url} names issuer ${String(document.issuer)}, not ${this.issuer}`);
    }
    if (typeof document.jwks_uri !== 'string') throw new Error(`${url} has no jwks_uri`);
    return document.jwks_uri;
  }
}
