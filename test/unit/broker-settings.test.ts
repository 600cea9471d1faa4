// The broker's settings in the environment: AMQP_URL as one node or a cluster's nodes, QUEUE_TYPE.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, redactUrl } from '../../src/config.js';

const refused = (env: Record<string, string>, pattern: RegExp) =>
  assert.throws(
    () => loadConfig(env),
    (e: unknown) => e instanceof ConfigError && pattern.test(e.message),
  );

describe('AMQP_URL and QUEUE_TYPE', () => {
  it('one URL, as before; classic queues by default', () => {
    const c = loadConfig({ AMQP_URL: 'amqps://u:p@rabbit.example:5671/nfvo' });
    assert.equal(c.amqpUrl, 'amqps://u:p@rabbit.example:5671/nfvo');
    assert.equal(c.queueType, 'classic');
  });

  it("a cluster's nodes, comma-separated (spaces ignored)", () => {
    const c = loadConfig({
      AMQP_URL:
        'amqp://guest:guest@127.0.0.1:5681, amqp://guest:guest@127.0.0.1:5682,amqp://guest:guest@127.0.0.1:5683',
      QUEUE_TYPE: 'quorum',
    });
    assert.equal(
      c.amqpUrl,
      'amqp://guest:guest@127.0.0.1:5681,amqp://guest:guest@127.0.0.1:5682,amqp://guest:guest@127.0.0.1:5683',
    );
    assert.equal(c.queueType, 'quorum');
  });

  it('each entry must be an amqp:// or amqps:// URL; the error names it without its password', () => {
    refused(
      { AMQP_URL: 'http://rabbit:5672' },
      /AMQP_URL: http:\/\/rabbit:5672\/ is not an amqp:\/\/ or amqps:\/\/ URL/,
    );
    refused({ AMQP_URL: 'amqp://a:5681,rabbit:5682' }, /AMQP_URL: entry 2 \(.*\) is not an amqp/);
    assert.throws(
      () => loadConfig({ AMQP_URL: 'amqp://u:pw1@a:5681,https://u:s3cret@b:5682' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        /entry 2 \(https:\/\/u:\*\*\*@b:5682\/\)/.test(e.message) &&
        !e.message.includes('s3cret'),
    );
    refused({ AMQP_URL: ' , ' }, /AMQP_URL: no URL given/);
  });

  it('QUEUE_TYPE is classic or quorum', () => {
    refused({ QUEUE_TYPE: 'stream' }, /QUEUE_TYPE/);
  });

  it("every node's password is redacted", () => {
    const shown = redactUrl('amqp://u:pw1@a:5681,amqp://u:pw2@b:5682');
    assert.equal(shown, 'amqp://u:***@a:5681,amqp://u:***@b:5682');
  });
});
