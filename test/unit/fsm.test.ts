import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyCallback,
  getNext,
  NoTransitionError,
  resourceKinds,
  RESOURCE_TYPES,
  statusesOf,
  stepCallbacks,
  ACTION_NAMES,
  resultProblem,
  type FsmTable,
} from '../../src/fsm/index.js';

/** Follow the table from `from` until `to`; returns the actions taken. */
function walk(fsm: FsmTable, from: string, to: string): string[] {
  const actions: string[] = [];
  let cur = from;
  for (let i = 0; cur !== to; i++) {
    assert.ok(i < 20, `no progress from ${from} to ${to}`);
    const n = getNext(fsm, cur, to);
    actions.push(n.action);
    cur = n.next;
  }
  return actions;
}

describe('FSM paths named in the API contract', () => {
  const cases: [string, string, string, string[]][] = [
    ['vnf_package', 'CREATED', 'ONBOARDED', ['vnfp.upload', 'vnfp.validate', 'vnfp.register']],
    ['vnf_package', 'UPLOADED', 'DELETED', ['vnfp.delete']],
    ['vnf_package', 'ERROR', 'DELETED', ['vnfp.delete']],
    ['volume', 'CREATED', 'AVAILABLE', ['volume.create']],
    ['volume', 'AVAILABLE', 'DELETED', ['volume.delete']],
    ['vnf', 'CREATED', 'INSTANTIATED', ['vnf.allocate', 'vnf.boot', 'vnf.configure']],
    ['vnf', 'INSTANTIATED', 'TERMINATED', ['vnf.release']],
    ['vnf', 'TERMINATED', 'DELETED', ['vnf.delete']],
    ['vnf', 'BOOTED', 'DELETED', ['vnf.delete']],
    ['acl', 'CREATED', 'APPLIED', ['acl.validate', 'acl.apply']],
    ['acl', 'APPLIED', 'DELETED', ['acl.delete']],
  ];
  for (const [type, from, to, actions] of cases) {
    it(`${type}: ${from} -> ${to} runs ${actions.join(', ')}`, () => {
      assert.deepEqual(walk(resourceKinds[type as keyof typeof resourceKinds].fsm, from, to), actions);
    });
  }
});

for (const type of RESOURCE_TYPES) {
  const { fsm, initial, target } = resourceKinds[type];
  const statuses = statusesOf(fsm);

  describe(`${type} table`, () => {
    it('reaches its create target and DELETED from the initial status', () => {
      assert.ok(walk(fsm, initial, target).length > 0);
      assert.ok(walk(fsm, initial, 'DELETED').length > 0);
    });

    it('every status, ERROR included, can be deleted', () => {
      for (const s of statuses) if (s !== 'DELETED') assert.ok(walk(fsm, s, 'DELETED').length >= 1, s);
      assert.ok(fsm.ERROR?.DELETED, 'ERROR -> DELETED');
    });

    for (const cur of [...statuses, 'ERROR']) {
      for (const exp of statuses) {
        if (cur === exp) continue;
        const entry = fsm[cur]?.[exp];
        if (entry) {
          it(`${cur} -> ${exp}: ${entry.action} leads to ${exp}`, () => {
            assert.ok(statuses.includes(entry.next), `unknown next status ${entry.next}`);
            assert.ok(entry.next !== cur, 'a step must change the status');
            assert.ok(entry.max_retry >= 0 && entry.countdown >= 0);
            if (entry.callback !== null)
              assert.ok(entry.callback in stepCallbacks, `callback ${entry.callback} is registered`);
            walk(fsm, cur, exp);
          });
        } else {
          it(`${cur} -> ${exp}: no entry, a clear error`, () => {
            assert.throws(
              () => getNext(fsm, cur, exp),
              (e: unknown) => e instanceof NoTransitionError && e.message === `no transition from ${cur} to ${exp}`,
            );
          });
        }
      }
    }
  });
}

describe('steps that wait on the VIM', () => {
  for (const type of RESOURCE_TYPES) {
    const { fsm } = resourceKinds[type];
    for (const [cur, row] of Object.entries(fsm)) {
      for (const [exp, entry] of Object.entries(row)) {
        if (!entry.waiting) continue;
        it(`${type} ${cur} -> ${exp}: ${entry.action} waits as ${entry.waiting}, which goes on with the same action and can be left`, () => {
          assert.ok(entry.check, 'a waiting step says how it is checked');
          assert.ok(entry.check.every > 0 && entry.check.backoff >= 1 && entry.check.max >= entry.check.every);
          assert.ok(entry.check.deadline > entry.check.max, 'the deadline leaves room for several checks');
          const waitingRow = fsm[entry.waiting as keyof typeof fsm] as Record<string, { action: string }> | undefined;
          assert.ok(waitingRow, `${entry.waiting} has a row`);
          assert.equal(
            waitingRow[exp]?.action,
            entry.action,
            `from ${entry.waiting} toward ${exp} the same action goes on`,
          );
          assert.ok(waitingRow.DELETED, `${entry.waiting} can be deleted`);
        });
      }
    }
  }
  it('a step without a waiting status cannot wait', () => {
    assert.equal(resourceKinds.vnf.fsm.CREATED?.INSTANTIATED?.check, null);
  });
});

describe('action results', () => {
  it('every action a table names has a result schema (and no other)', () => {
    const named = new Set<string>();
    for (const type of RESOURCE_TYPES) {
      for (const row of Object.values(resourceKinds[type].fsm)) for (const e of Object.values(row)) named.add(e.action);
    }
    assert.deepEqual([...named].sort(), [...ACTION_NAMES].sort());
  });
  it('a result with a misspelt field fails, naming the field the callback reads and the one it got', () => {
    const why = resultProblem('vnf.boot', { server_id: 'srv-1' });
    assert.match(why!, /^vnf\.boot returned an invalid result: /);
    assert.match(why!, /serverId/);
    assert.match(why!, /server_id/);
    assert.equal(resultProblem('vnf.boot', { serverId: 'srv-1' }), null);
    assert.equal(resultProblem('vnf.configure', {}), null);
  });
});

describe('step callbacks', () => {
  it('store the values a worker returned and keep the rest', () => {
    assert.deepEqual(applyCallback('store_server_id', { a: 1 }, { serverId: 's-1', other: 2 }), {
      a: 1,
      serverId: 's-1',
    });
  });
  it('clear_compute drops server and host', () => {
    assert.deepEqual(applyCallback('clear_compute', { serverId: 's', hostId: 'h', keep: true }, {}), { keep: true });
  });
  it('null means no change; an unknown name fails loudly', () => {
    assert.deepEqual(applyCallback(null, { a: 1 }, { b: 2 }), { a: 1 });
    assert.throws(() => applyCallback('nope', {}, {}), /unknown step callback "nope"/);
  });
});
