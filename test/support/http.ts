// Raw HTTP requests for tests that send what fetch refuses to (a body on GET, bytes that are not UTF-8, any path).
import { request } from 'node:http';
import { parseJson } from '../../src/domain/json.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed with the bigint-safe parser, or undefined when empty or not JSON. */
  body: unknown;
}

export interface RawRequest {
  method: string;
  /** Sent as written: no encoding is applied. */
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
}

/** Sends one request on a fresh connection (a refused request may close it) and reads the whole answer. */
export function rawRequest(baseUrl: string, options: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent: false,
        host: url.hostname,
        port: url.port,
        method: options.method,
        path: options.path,
        headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text === '' ? undefined : parseJson(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
