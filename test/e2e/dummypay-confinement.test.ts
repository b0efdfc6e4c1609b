// DummyPay is a test double (issue 13): installable only in debug mode, and only from a directory inside
// PAYBRIDGE_DUMMYPAY_ROOT once symlinks are followed. Anything else is a 400 and installs nothing.
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import { apiCall } from '../support/api-call.js';
import { writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { startTestService, type TestService } from '../support/service.js';

let root: string;
let outside: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pb-dummypay-root-'));
  outside = await mkdtemp(join(tmpdir(), 'pb-dummypay-outside-'));
  await writeDummyPayDirectory(join(root, 'psp'), { accounts: 2, payments: 2 });
  await writeDummyPayDirectory(outside, { accounts: 2, payments: 2 });
  await symlink(outside, join(root, 'link-out'));
  await mkdir(join(root, 'other'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function connectorNames(url: string): Promise<string[]> {
  const listed = await apiCall(url, 'GET', '/v3/connectors?pageSize=100');
  return (listed.body?.cursor as { data: { name: string }[] }).data.map((c) => c.name);
}

describe('in debug mode, with a DummyPay root', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ PAYBRIDGE_DEBUG: 'true', PAYBRIDGE_DUMMYPAY_ROOT: root });
  });
  afterAll(async () => {
    await service?.stop();
  });
  const install = (name: string, directory: string) =>
    apiCall(service.url, 'POST', '/v3/connectors/install/dummypay', { name, directory, pollingPeriod: '1h' });

  it('installs a directory inside the root', async () => {
    const installed = await install('inside', join(root, 'psp'));
    expect(installed.status).toBe(202);
  });

  it('refuses a directory outside the root, through .., or through a symlink, and installs nothing', async () => {
    const attempts = {
      outside,
      'dot-dot': join(root, '..', basename(outside)),
      symlink: join(root, 'link-out'),
      'system-folder': '/etc',
      missing: join(outside, 'does-not-exist'),
    };
    for (const [name, directory] of Object.entries(attempts)) {
      const refused = await install(name, directory);
      expect({ name, status: refused.status, code: refused.body?.errorCode }).toEqual({
        name,
        status: 400,
        code: 'VALIDATION',
      });
      expect(refused.body?.errorMessage).toContain('PAYBRIDGE_DUMMYPAY_ROOT');
    }
    expect(await connectorNames(service.url)).toEqual(['inside']);
  });

  it('refuses an update that moves the directory outside the root, and keeps the old one', async () => {
    const installed = await install('to-move', join(root, 'other'));
    expect(installed.status).toBe(202);
    const id = installed.body?.data as string;
    for (const directory of [outside, join(root, 'link-out'), join(root, 'other', '..', '..')]) {
      const moved = await apiCall(service.url, 'PATCH', `/v3/connectors/${id}/config`, {
        name: 'to-move',
        directory,
        pollingPeriod: '1h',
      });
      expect({ directory, status: moved.status }).toEqual({ directory, status: 400 });
    }
    const config = await apiCall(service.url, 'GET', `/v3/connectors/${id}/config`);
    expect(config.body?.data).toMatchObject({ directory: join(root, 'other') });
  });
});

describe('without debug mode', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ PAYBRIDGE_DEBUG: 'false', PAYBRIDGE_DUMMYPAY_ROOT: root });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('refuses to install DummyPay, and installs nothing', async () => {
    const refused = await apiCall(service.url, 'POST', '/v3/connectors/install/dummypay', {
      name: 'no-debug',
      directory: join(root, 'psp'),
    });
    expect(refused.status).toBe(400);
    expect(refused.body?.errorCode).toBe('VALIDATION');
    expect(refused.body?.errorMessage).toContain('PAYBRIDGE_DEBUG=true');
    expect(await connectorNames(service.url)).toEqual([]);
  });

  it('refuses to update a DummyPay installed while debug mode was on', async () => {
    // Installed through the engine as a debug-mode service would have, on this service's database.
    const { deps } = service.paybridge;
    const id = await installConnector(
      { ...deps, connectors: { ...deps.connectors, debug: true } },
      'dummypay',
      {
        name: 'from-debug-days',
        directory: join(root, 'psp'),
        pollingPeriod: '1h',
      },
    );
    const refused = await apiCall(service.url, 'PATCH', `/v3/connectors/${id}/config`, {
      name: 'from-debug-days',
      directory: join(root, 'other'),
      pollingPeriod: '1h',
    });
    expect(refused.status).toBe(400);
    expect(refused.body?.errorMessage).toContain('PAYBRIDGE_DEBUG=true');
    const config = await apiCall(service.url, 'GET', `/v3/connectors/${id}/config`);
    expect(config.body?.data).toMatchObject({ directory: join(root, 'psp') });
  });
});
