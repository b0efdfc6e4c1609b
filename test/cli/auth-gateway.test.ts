// `--token` / PAYBRIDGE_TOKEN and a server URL with a path, through an auth gateway in front of a real service:
// the gateway (as Formance's does) strips `/api/payments`, refuses requests without the bearer token with an
// empty 401, and forwards the others unchanged.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';
import { runCli } from './run-cli.js';

const TOKEN = 's3cret-token';
let service: TestService;
let gateway: Server;
let gatewayUrl: string;

beforeAll(async () => {
  service = await startTestService();
  gateway = createServer((request, response) => {
    void (async () => {
      const path = request.url ?? '/';
      if (request.headers.authorization !== `Bearer ${TOKEN}` || !path.startsWith('/api/payments/')) {
        response.writeHead(401).end();
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const upstream = await fetch(service.url + path.slice('/api/payments'.length), {
        method: request.method ?? 'GET',
        headers: { 'content-type': 'application/json' },
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      response.writeHead(upstream.status, { 'content-type': 'application/json' });
      response.end(Buffer.from(await upstream.arrayBuffer()));
    })();
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/api/payments`;
});

afterAll(async () => {
  await new Promise((resolve) => gateway?.close(resolve));
  await service?.stop();
});

describe('authentication', () => {
  it('exits 3 with UNAUTHORIZED and a hint when the gateway refuses the request', async () => {
    const result = await runCli(['connectors', 'list', '--server', gatewayUrl]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: UNAUTHORIZED: .* \(HTTP 401\)$/m);
    expect(result.stderr).toMatch(/^hint: .*--client-id and --client-secret.*--token \(PAYBRIDGE_TOKEN\)$/m);
  });

  it('sends --token as a bearer token, to the path under the server URL', async () => {
    const result = await runCli(['connectors', 'list', '--json', '--server', gatewayUrl, '--token', TOKEN]);
    expect(result).toMatchObject({ code: 0, stdout: '[]\n' });
  });

  it('takes the server and the token from PAYBRIDGE_URL and PAYBRIDGE_TOKEN', async () => {
    const result = await runCli(['connectors', 'configs', 'generic', '--json'], {
      env: { PAYBRIDGE_URL: gatewayUrl, PAYBRIDGE_TOKEN: TOKEN },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('"endpoint"');
  });
});
