// The operator console in a real browser (Chromium through playwright-core): sign in, watch a
// package go live without a reload, see the FSM light its path, roles, and the dead letters.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startRoles, type Running } from '../../src/compose.js';
import { makeTestEnv, quiet, ROOT, waitFor, type TestEnv } from '../helpers/env.js';
import { client } from '../helpers/http.js';
import { createPackage } from '../helpers/packages.js';

const SHOTS = path.join(ROOT, 'test-output', 'console');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('the operator console, in a browser', () => {
  let env: TestEnv;
  let nfvo: Running;
  let controller: Running | undefined;
  let base: string;
  let browser: Browser;
  let api: ReturnType<typeof client>;
  let stuckVolume: string;
  let signInShot: Promise<unknown> | undefined;

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  async function signIn(page: Page, role: 'viewer' | 'operator' | 'admin', to = '/') {
    await page.goto(base + to);
    await page.waitForURL(/\/signin/);
    if (!signInShot) signInShot = shot(page, 'signin');
    await signInShot;
    await page.getByLabel('Token').fill(env.tokens[role]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
    await page.getByText(`signed in as ${role}`).waitFor();
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // the sweep would pick up a resource nobody drives; here only a requeued message may
    env = await makeTestEnv('console', { RESYNC_AFTER_SECONDS: '3600' });
    // api and worker first: a create's message waits in api_queue until a controller starts
    nfvo = await startRoles(env.config, ['api', 'worker'], { logger: quiet });
    base = `http://127.0.0.1:${nfvo.port}`;
    await waitFor('broker', async () => nfvo.broker.connected);
    api = client(base, env.auth('operator'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  after(async () => {
    await browser?.close();
    await controller?.stop();
    await nfvo?.stop();
    await env?.cleanup(controller ? [] : []);
  });

  it('a message that was dead-lettered goes back to its queue at an admin’s click, and its resource moves on', async () => {
    const created = await api.post('/v1/volumes', { name: 'stuck-volume', sizeGb: 1 });
    assert.equal(created.status, 202);
    stuckVolume = created.body.id;
    // what a consumer does with a message it gave up on: to the dead-letter exchange, with its reason
    const conn = await amqp.connect(env.config.amqpUrl);
    const ch = await conn.createConfirmChannel();
    const msg = await waitFor(
      'the create message',
      async () => (await ch.get(env.q('api_queue'), { noAck: false })) || null,
    );
    ch.publish(env.q('nfvo.dlx'), '', msg.content, {
      ...msg.properties,
      headers: { 'x-nfvo-reason': 'handler failed 5 times: database unreachable', 'x-nfvo-queue': env.q('api_queue') },
    });
    await ch.waitForConfirms();
    ch.ack(msg);
    await conn.close();
    controller = await startRoles(env.config, ['controller'], { logger: quiet });

    const page = await browser.newPage();
    await signIn(page, 'admin', '/queues');
    const row = page.getByRole('row', { name: /handler failed 5 times/ });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /api_queue/);
    await shot(page, 'queues');
    await row.getByRole('button', { name: 'Requeue' }).click();
    await page.getByText(/Requeued .* to api_queue/).waitFor();
    await page.getByText('0 message(s) in the dead-letter queue').waitFor();
    // the controller got it: the volume it created goes on to its spec
    await api.waitStatus(stuckVolume, 'AVAILABLE');
    await page.close();
  });

  it('signs in, and a new package’s row reaches ONBOARDED without a reload', async () => {
    const page = await browser.newPage();
    await signIn(page, 'operator', '/resources');
    await shot(page, 'resources-empty');
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    const pkg = await createPackage(api, 'live-package');
    const row = page.getByRole('row', { name: /live-package/ });
    // the status cell, not the spec beside it
    await row.locator('td.status', { hasText: /^ONBOARDED$/ }).waitFor({ timeout: 20_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed), true, 'no reload');
    await shot(page, 'resources');

    await row.getByRole('link', { name: 'live-package' }).click();
    await page.waitForURL(`**/resources/${pkg.id}`);
    const graph = page.getByRole('img', { name: 'FSM of vnf_package' });
    await graph.waitFor();
    await page.locator('.fsm .node.current[data-state="ONBOARDED"]').waitFor();
    const lit = await page
      .locator('.fsm .node.visited')
      .evaluateAll((ns) => ns.map((n) => (n as HTMLElement).dataset.state));
    for (const s of ['CREATED', 'UPLOADED', 'VALIDATED', 'ONBOARDED'])
      assert.ok(lit.includes(s), `${s} is lit (lit: ${lit})`);
    assert.ok(!lit.includes('DELETING'), 'a state it never went through is not lit');
    assert.ok((await page.locator('.fsm .edge.taken').count()) >= 3, 'the edges it took are lit');
    const spans = page.getByRole('list', { name: 'Timeline of attempts' }).getByRole('listitem');
    assert.ok((await spans.count()) >= 3, 'one span per attempt');
    assert.match((await spans.first().textContent()) ?? '', /vnfp\.upload · attempt 1 · succeeded/);
    await page.getByRole('table', { name: 'Properties' }).waitFor();
    await shot(page, 'resource');
    await page.close();
  });

  it('a viewer cannot retry what an operator can', async () => {
    const failed = await api.post('/v1/volumes', {
      name: 'refused-volume',
      sizeGb: 1,
      simulate: { refuse: { create: 'no capacity left' } },
    });
    await api.waitStatus(failed.body.id, 'ERROR');

    const operator = await browser.newPage();
    await signIn(operator, 'operator', `/resources/${failed.body.id}`);
    await operator.getByText('no capacity left').first().waitFor();
    assert.equal(await operator.getByRole('button', { name: 'Retry' }).isEnabled(), true);
    await operator.close();

    const viewer = await browser.newPage();
    await signIn(viewer, 'viewer', `/resources/${failed.body.id}`);
    const retry = viewer.getByRole('button', { name: 'Retry' });
    await retry.waitFor();
    assert.equal(await retry.isDisabled(), true, 'Retry is disabled for a viewer');
    assert.equal(await viewer.getByRole('button', { name: 'Delete' }).isDisabled(), true);
    // and the API refuses it whatever the page shows
    const status = await viewer.evaluate(async (id) => {
      const s = await (await fetch('/v1/session')).json();
      return (await fetch(`/v1/resources/${id}/retry`, { method: 'POST', headers: { 'X-CSRF-Token': s.csrf } })).status;
    }, failed.body.id);
    assert.equal(status, 403);
    await viewer.close();
  });

  it('the overview and the processes page show the fleet', async () => {
    const page = await browser.newPage();
    await signIn(page, 'viewer', '/');
    await page.getByRole('group', { name: 'Resources' }).waitFor();
    await page.getByRole('table', { name: 'vnf_package by status' }).waitFor();
    await page.getByRole('group', { name: 'Oldest stuck' }).getByText('refused-volume').waitFor();
    await shot(page, 'overview');
    await page.getByRole('link', { name: 'Processes' }).click();
    const rows = page.getByRole('table', { name: 'Processes' }).getByRole('row');
    await page.getByRole('cell', { name: 'api, worker' }).waitFor();
    await page.getByRole('cell', { name: 'controller', exact: true }).waitFor();
    assert.ok((await rows.count()) >= 3);
    await shot(page, 'processes');
    await page.close();
  });

  it('the session cookie is HttpOnly and SameSite=Strict, no token is in a URL, and a change without the CSRF header is refused', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    await signIn(page, 'operator', '/resources');
    const [cookie] = await ctx.cookies();
    assert.equal(cookie?.name, 'nfvo_session');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
    assert.ok(!urls.some((u) => u.includes(env.tokens.operator)), 'no token in any URL');
    assert.equal(await page.evaluate(() => document.cookie), '', 'no script can read the session');
    const status = await page.evaluate(
      async () =>
        (
          await fetch('/v1/volumes', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: '{"name":"x","sizeGb":1}',
          })
        ).status,
    );
    assert.equal(status, 403);
    await ctx.close();
  });
});
