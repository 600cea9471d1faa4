// Step callbacks: pure functions that fold an action's result into the
// resource's properties when the step succeeds. Named in the FSM tables.

export type Properties = Record<string, unknown>;
export type StepCallback = (properties: Properties, result: Properties) => Properties;

const pick =
  (...keys: string[]): StepCallback =>
  (properties, result) => {
    const out: Properties = { ...properties };
    for (const k of keys) if (result[k] !== undefined) out[k] = result[k];
    return out;
  };

const drop =
  (...keys: string[]): StepCallback =>
  (properties) => {
    const out: Properties = { ...properties };
    for (const k of keys) delete out[k];
    return out;
  };

export const stepCallbacks = {
  store_artifact: pick('artifactUri', 'checksum'),
  store_descriptor: pick('descriptor'),
  store_catalog_id: pick('catalogId'),
  store_volume_id: pick('backendVolumeId'),
  store_allocation: pick('flavor', 'hostId'),
  store_server_id: pick('serverId'),
  clear_compute: drop('serverId', 'hostId'),
  store_rule_ids: pick('ruleIds'),
} as const satisfies Record<string, StepCallback>;

export type CallbackName = keyof typeof stepCallbacks;

export class UnknownCallbackError extends Error {
  constructor(name: string) {
    super(`unknown step callback "${name}"`);
  }
}

/** Apply a named callback; null means "no callback". Throws on an unknown name (a message from another version). */
export function applyCallback(name: string | null, properties: Properties, result: Properties): Properties {
  if (name === null) return properties;
  const fn = (stepCallbacks as Record<string, StepCallback>)[name];
  if (!fn) throw new UnknownCallbackError(name);
  return fn(properties, result);
}
