// The API's description: /openapi.json is the document built for the running driver, and
// /docs shows it in a real browser (Chromium through playwright-core), from the package's own
// files, under the API's Content-Security-Policy, and can call the API.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { buildOpenApi } from '../../src/api/openapi.js';
import { startRoles, type Running } from '../../src/compose.js';
import { driverPlugin } from '../../src/drivers/registry.js';
import { makeTestEnv, quiet, type TestEnv } from '../helpers/env.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('the API description', () => {
  let env: TestEnv;
  let nfvo: Running;
  let base: string;
  let browser: Browser;

  before(async () => {
    env = await makeTestEnv('docs');
    nfvo = await startRoles(env.config, ['api'], { logger: quiet });
    base = `http://127.0.0.1:${nfvo.port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  });
  after(async () => {
    await browser?.close();
    await nfvo?.stop();
    await env?.cleanup();
  });

  it('GET /openapi.json is open and is the document for the running driver', async () => {
    const res = await fetch(`${base}/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await res.json(), JSON.parse(JSON.stringify(buildOpenApi(driverPlugin('sim').options))));
  });

  it('GET /docs shows every operation, loads nothing from elsewhere, breaks no CSP rule, and calls the API', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const elsewhere: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => !r.url().startsWith(base) && elsewhere.push(r.url()));
    const res = await page.goto(`${base}/docs`);
    assert.equal(res?.status(), 200);
    assert.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
    await page.locator('.opblock').first().waitFor();
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, object> };
    const operations = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    assert.equal(await page.locator('.opblock').count(), operations);

    const healthz = page.locator('.opblock', { has: page.locator('[data-path="/healthz"]') });
    await healthz.locator('.opblock-summary').click();
    await healthz.getByRole('button', { name: 'Try it out' }).click();
    await healthz.getByRole('button', { name: 'Execute' }).click();
    const status = healthz.locator('.live-responses-table tr.response .response-col_status');
    await status.waitFor();
    assert.equal((await status.innerText()).trim(), '200');
    assert.deepEqual(problems, [], 'errors in the page (a refused script or style shows here)');
    assert.deepEqual(elsewhere, [], 'requests to another origin');
    await page.close();
  });
});
