import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, redactUrl } from '../../src/config.js';

describe('config', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.databaseUrl, 'postgresql://postgres@127.0.0.1:5432/nfvo');
    assert.equal(c.amqpUrl, 'amqp://guest:guest@127.0.0.1:5672');
    assert.deepEqual(c.driver, { name: 'sim', settings: { latencyMs: 0, async: false, maxConcurrency: 1000 } });
  });
  it("parses the chosen driver's own variables, and names the drivers when DRIVER is unknown", () => {
    assert.deepEqual(
      loadConfig({ SIM_LATENCY_MS: '250', SIM_ASYNC: 'true', SIM_MAX_CONCURRENCY: '8' }).driver.settings,
      { latencyMs: 250, async: true, maxConcurrency: 8 },
    );
    assert.throws(
      () => loadConfig({ SIM_LATENCY_MS: 'slow' }),
      (e: unknown) => e instanceof ConfigError && e.message.includes('SIM_LATENCY_MS'),
    );
    assert.throws(
      () => loadConfig({ DRIVER: 'vmware' }),
      (e: unknown) => e instanceof ConfigError && /DRIVER: unknown driver; the drivers are sim/.test(e.message),
    );
  });
  it('names every bad variable', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', WORKER_CONCURRENCY: '0', DRIVER: 'nonesuch' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        ['PORT', 'LOG_LEVEL', 'WORKER_CONCURRENCY', 'DRIVER'].every((k) => e.message.includes(k)),
    );
  });
  it('redacts passwords from connection strings', () => {
    assert.equal(redactUrl('amqp://user:s3cret@host:5672/vh'), 'amqp://user:***@host:5672/vh');
    assert.ok(!redactUrl('postgresql://u:pw@h/db').includes('pw'));
  });
});
