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

/** Each software image gets the id the VIM gave it (vimImageId), by image id. */
const storeVimImages: StepCallback = (properties, result) => {
  const ids = new Map(((result.images ?? []) as { id: string; vimImageId: string }[]).map((i) => [i.id, i.vimImageId]));
  const images = (properties.softwareImages ?? []) as Record<string, unknown>[];
  return {
    ...properties,
    softwareImages: images.map((i) => (ids.has(i.id as string) ? { ...i, vimImageId: ids.get(i.id as string) } : i)),
  };
};

export const stepCallbacks = {
  store_artifact: pick('checksum', 'sizeBytes'),
  store_descriptor: pick('entryDefinitions', 'vnfdFiles', 'manifest', 'vnfd', 'vdus', 'softwareImages'),
  store_vim_images: storeVimImages,
  store_volume_id: pick('volumeId'),
  store_allocation: pick('flavor', 'hostId', 'vcpus', 'memoryMb', 'imageId'),
  store_server_id: pick('serverId', 'portIds', 'addresses', 'hostId'),
  clear_compute: drop('serverId', 'hostId', 'portIds', 'addresses'),
  store_rule_ids: pick('ruleIds', 'securityGroupId'),
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
