// How nfvo marks what it creates in a cloud, so an operator (and nfvo itself) can find it:
// nfvo_resource_id=<id> names the nfvo resource; nfvo_task=<key> the task that created it,
// which the driver looks up before creating again (no OpenStack API takes an idempotency key).

export const OWNER = 'nfvo';
export const resourceTag = (id: string) => `nfvo_resource_id=${id}`;
export const taskTag = (key: string) => `nfvo_task=${key}`;

/** Metadata (servers, volumes) and properties (images): nfvo's, the resource's and the task's. */
export const marks = (resourceId: string, key: string) => ({
  nfvo_owner: OWNER,
  nfvo_resource_id: resourceId,
  nfvo_task: key,
});

/** Tags (servers, ports, security groups): one for all of nfvo's, one for the resource, one for the task. */
export const tags = (resourceId: string, key: string) => [OWNER, resourceTag(resourceId), taskTag(key)];
