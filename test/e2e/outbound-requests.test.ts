// Where connectors send requests (issue 13): API callers learn nothing of what answers on internal
// addresses, PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW pins the hosts, and redirects are never followed.
import type { ServerResponse } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall } from '../support/api-call.js';
import {
  acceptingKey,
  type RecordingPsp,
  registerKitPsp,
  startRecordingPsp,
} from '../support/recording-psp.js';
import { eventually, freePort, startTestService, type TestService } from '../support/service.js';

const BANNER = 'Redis admin console 7.2 on db-internal-3';
const htmlNotFound = (_req: unknown, res: ServerResponse) =>
  res.writeHead(404, { 'content-type': 'text/html' }).end(`<html><body>${BANNER}</body></html>`);

beforeAll(() => {
  registerKitPsp();
});

/** The errors of a connector's runs as the API shows them: each schedule's last run, and every instance. */
async function runErrors(url: string, connectorId: string): Promise<string[] | undefined> {
  const schedules = await apiCall(url, 'GET', `/v3/connectors/${connectorId}/schedules`);
  const rows = (schedules.body?.cursor as { data: { id: string; lastRun?: { error?: string } }[] }).data;
  const errors: string[] = [];
  for (const schedule of rows) {
    if (schedule.lastRun?.error) errors.push(schedule.lastRun.error);
    const instances = await apiCall(
      url,
      'GET',
      `/v3/connectors/${connectorId}/schedules/${encodeURIComponent(schedule.id)}/instances`,
    );
    for (const instance of (instances.body?.cursor as { data: { error?: string }[] }).data) {
      if (instance.error) errors.push(instance.error);
    }
  }
  return errors.length > 0 ? errors : undefined;
}

const waitForRunErrors = (url: string, connectorId: string) =>
  eventually(() => runErrors(url, connectorId), 15_000, `a failed run of ${connectorId}`);

async function connectorNames(url: string): Promise<string[]> {
  const listed = await apiCall(url, 'GET', '/v3/connectors?pageSize=100');
  return (listed.body?.cursor as { data: { name: string }[] }).data.map((c) => c.name);
}

describe('internal addresses, without an allow list', () => {
  let service: TestService;
  const logLines: string[] = [];
  const logged = () => logLines.join('\n');
  let htmlPsp: RecordingPsp;
  let closedPort: number;

  beforeAll(async () => {
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
    service = await startTestService({}, { logger });
    htmlPsp = await startRecordingPsp(htmlNotFound);
    closedPort = await freePort();
  });
  afterAll(async () => {
    await service?.stop();
    await htmlPsp?.stop();
  });

  it('says only "could not be reached" in run errors for a closed port, and logs the reason', async () => {
    // The kit connector without its install check: the failure happens in a run, not at install.
    const installed = await apiCall(service.url, 'POST', '/v3/connectors/install/kitpsp', {
      name: 'closed-port',
      apiKey: 'k',
      endpoint: `http://127.0.0.1:${closedPort}`,
      pollingPeriod: '1s',
    });
    expect(installed.status).toBe(202);
    const id = installed.body?.data as string;
    const errors = await waitForRunErrors(service.url, id);
    for (const error of errors) {
      expect(error).toContain('the PSP could not be reached');
      expect(error).not.toContain('ECONNREFUSED');
      expect(error).not.toContain(String(closedPort));
    }
    await eventually(async () =>
      logLines.some((line) => line.includes(id) && line.includes('ECONNREFUSED')) ? true : undefined,
    );
  });

  it('says only "answered with an error" in run errors for an HTML 404, and logs the body', async () => {
    const installed = await apiCall(service.url, 'POST', '/v3/connectors/install/kitpsp', {
      name: 'html-404',
      apiKey: 'k',
      endpoint: htmlPsp.url,
      pollingPeriod: '1s',
    });
    expect(installed.status).toBe(202);
    const id = installed.body?.data as string;
    const errors = await waitForRunErrors(service.url, id);
    for (const error of errors) {
      expect(error).toContain('the PSP answered with an error');
      expect(error).not.toContain(BANNER);
      expect(error).not.toContain('html');
      expect(error).not.toContain('404');
    }
    await eventually(async () =>
      logLines.some((line) => line.includes(id) && line.includes(BANNER)) ? true : undefined,
    );
  });

  it('keeps the same details out of install answers, and installs nothing', async () => {
    const closed = await apiCall(service.url, 'POST', '/v3/connectors/install/kitpsp', {
      name: 'kit-closed',
      apiKey: 'k',
      endpoint: `http://127.0.0.1:${closedPort}`,
      checkAtInstall: true,
    });
    expect(closed.status).toBe(400);
    expect(closed.body?.errorCode).toBe('VALIDATION');
    expect(closed.body?.errorMessage).toContain('the PSP could not be reached');
    expect(closed.body?.errorMessage).not.toContain('ECONNREFUSED');
    expect(closed.body?.errorMessage).not.toContain(String(closedPort));

    const html = await apiCall(service.url, 'POST', '/v3/connectors/install/kitpsp', {
      name: 'kit-html',
      apiKey: 'k',
      endpoint: htmlPsp.url,
      checkAtInstall: true,
    });
    expect(html.status).toBe(400);
    expect(html.body?.errorMessage).toContain('the PSP answered with an error');
    expect(html.body?.errorMessage).not.toContain(BANNER);
    expect(html.body?.errorMessage).not.toContain('404');

    // Generic checks its endpoint at every install: the same answers, redacted the same way.
    const genericClosed = await apiCall(service.url, 'POST', '/v3/connectors/install/generic', {
      name: 'generic-closed',
      apiKey: 'k',
      endpoint: `http://127.0.0.1:${closedPort}`,
    });
    expect(genericClosed.status).toBe(400);
    expect(genericClosed.body?.errorMessage).toContain('the PSP could not be reached');
    expect(genericClosed.body?.errorMessage).not.toContain('ECONNREFUSED');
    expect(genericClosed.body?.errorMessage).not.toContain(String(closedPort));
    const genericHtml = await apiCall(service.url, 'POST', '/v3/connectors/install/generic', {
      name: 'generic-html',
      apiKey: 'k',
      endpoint: htmlPsp.url,
    });
    expect(genericHtml.status).toBe(400);
    expect(genericHtml.body?.errorMessage).toContain('the PSP answered with an error');
    expect(genericHtml.body?.errorMessage).not.toContain(BANNER);
    expect(genericHtml.body?.errorMessage).not.toContain('404');

    const names = await connectorNames(service.url);
    for (const name of ['kit-closed', 'kit-html', 'generic-closed', 'generic-html']) {
      expect(names).not.toContain(name);
    }
    expect(logged()).toContain(BANNER);
  });

  it('does not follow a redirect with the credentials: the redirect target hears nothing', async () => {
    const target = await startRecordingPsp();
    const redirecting = await startRecordingPsp((_req, res) =>
      res.writeHead(302, { location: `${target.url}/collect` }).end(),
    );
    try {
      const kit = await apiCall(service.url, 'POST', '/v3/connectors/install/kitpsp', {
        name: 'kit-redirected',
        apiKey: 'redirected-key',
        endpoint: redirecting.url,
        checkAtInstall: true,
      });
      expect(kit.status).toBe(400);
      expect(redirecting.requests.map((r) => r.apiKey)).toEqual(['redirected-key']);

      // Generic's install check meets the redirect: refused, and not asked again.
      const generic = await apiCall(service.url, 'POST', '/v3/connectors/install/generic', {
        name: 'generic-redirected',
        apiKey: 'redirected-bearer',
        endpoint: redirecting.url,
        pollingPeriod: '1s',
      });
      expect(generic.status).toBe(400);
      expect(redirecting.requests.map((r) => r.authorization)).toEqual([
        undefined,
        'Bearer redirected-bearer',
      ]);
      expect(target.requests).toEqual([]);
    } finally {
      await target.stop();
      await redirecting.stop();
    }
  });
});

describe('PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW', () => {
  let service: TestService;
  let allowed: RecordingPsp;
  let elsewhere: RecordingPsp;

  beforeAll(async () => {
    allowed = await startRecordingPsp(acceptingKey('good-key'));
    elsewhere = await startRecordingPsp(acceptingKey('good-key'));
    service = await startTestService({
      PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW: `127.0.0.1:${allowed.port}, *.kitpsp.example`,
    });
  });
  afterAll(async () => {
    await service?.stop();
    await allowed?.stop();
    await elsewhere?.stop();
  });

  const install = (provider: string, config: Record<string, unknown>) =>
    apiCall(service.url, 'POST', `/v3/connectors/install/${provider}`, config);

  it('refuses an install whose endpoint is not on the list, naming the field, and installs nothing', async () => {
    const refused = await install('generic', {
      name: 'off-list',
      apiKey: 'good-key',
      endpoint: elsewhere.url,
      pollingPeriod: '1s',
    });
    expect(refused.status).toBe(400);
    expect(refused.body?.errorCode).toBe('VALIDATION');
    expect(refused.body?.errorMessage).toMatch(/^endpoint: .*PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW/);
    expect(await connectorNames(service.url)).not.toContain('off-list');
    expect(elsewhere.requests).toEqual([]);
  });

  it('lets a listed host work, refuses an update to another, and keeps the old config', async () => {
    const installed = await install('generic', {
      name: 'on-list',
      apiKey: 'good-key',
      endpoint: allowed.url,
      pollingPeriod: '1s',
    });
    expect(installed.status).toBe(202);
    const id = installed.body?.data as string;
    await eventually(async () =>
      allowed.requests.some((r) => r.authorization === 'Bearer good-key') ? true : undefined,
    );
    const moved = await apiCall(service.url, 'PATCH', `/v3/connectors/${id}/config`, {
      name: 'on-list',
      apiKey: 'good-key',
      endpoint: elsewhere.url,
      pollingPeriod: '1s',
    });
    expect(moved.status).toBe(400);
    expect(moved.body?.errorMessage).toMatch(/^endpoint: /);
    const config = await apiCall(service.url, 'GET', `/v3/connectors/${id}/config`);
    expect(config.body?.data).toMatchObject({ endpoint: allowed.url });
    expect(elsewhere.requests).toEqual([]);
  });

  it('shows the full answer of a host the operator listed, internal or not', async () => {
    // Generic's install check asks the PSP: its refusal comes back whole in the install's answer.
    const refused = await install('generic', {
      name: 'listed-wrong-key',
      apiKey: 'wrong-key',
      endpoint: allowed.url,
      pollingPeriod: '1s',
    });
    expect(refused.status).toBe(400);
    expect(refused.body?.errorMessage).toContain(
      `127.0.0.1:${allowed.port} refused the connector's credentials`,
    );
    expect(refused.body?.errorMessage).toContain('bad key');
    // And in a run's error, for a connector that does not check its key at install (the kit connector).
    const installed = await install('kitpsp', {
      name: 'listed-revoked-key',
      apiKey: 'revoked-key',
      endpoint: allowed.url,
    });
    expect(installed.status).toBe(202);
    const errors = await waitForRunErrors(service.url, installed.body?.data as string);
    expect(errors.join('\n')).toContain('bad key');
  });

  it('refuses, at call time, a host the config did not name (a default) and fails the run visibly', async () => {
    // No endpoint: the kit connector's default host for its region applies, which is not on the list.
    const installed = await install('kitpsp', { name: 'kit-default-host', apiKey: 'k', region: 'eu' });
    expect(installed.status).toBe(202);
    const errors = await waitForRunErrors(service.url, installed.body?.data as string);
    expect(errors.join('\n')).toContain(
      'api-eu.kitpsp.invalid is not an allowed connector endpoint (PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW)',
    );
  });
});
