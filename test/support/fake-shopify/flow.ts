import { readdirSync, readFileSync } from 'node:fs';

import { parse } from 'smol-toml';

/**
 * Shopify Flow's `flowTriggerReceive`, as Flow validates it before starting any workflow: the
 * handle must name one of the app's deployed `flow_trigger` extensions, the payload (its JSON)
 * must be at most 50 KB, a trigger with a customer reference needs `customer_id`, and every other
 * key must be one of the extension's fields with a value of its type. Refusals are `userErrors`
 * (the request itself succeeds, HTTP 200); an accepted trigger is recorded for tests. Messages
 * follow Flow's ("Errors validating schema: ..."), not byte for byte.
 */

export const FLOW_PAYLOAD_LIMIT_BYTES = 50_000;

export interface FlowTriggerDefinition {
  handle: string;
  customerReference: boolean;
  /** Field key → Flow type, for the fields other than the reference. */
  fields: ReadonlyMap<string, string>;
}

export interface FlowTriggerReceivedRecord {
  handle: string;
  payload: Record<string, unknown>;
  receivedAt: number;
}

export interface FlowUserErrorData {
  field: string[] | null;
  message: string;
}

export interface FlowHost {
  flowTriggers: ReadonlyMap<string, FlowTriggerDefinition>;
  now(): number;
}

/** Per shop: the triggers Flow accepted, oldest first. */
export interface FlowState {
  flowTriggersReceived: FlowTriggerReceivedRecord[];
}

/**
 * The app's deployed triggers: every `flow_trigger` extension under `dir` (Roost's extensions/,
 * by default), as `shopify app deploy` would register them.
 */
export function loadFlowTriggers(dir: URL = new URL('../../../extensions/', import.meta.url)): Map<string, FlowTriggerDefinition> {
  const triggers = new Map<string, FlowTriggerDefinition>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    let text: string;
    try {
      text = readFileSync(new URL(`${entry.name}/shopify.extension.toml`, dir), 'utf8');
    } catch {
      continue;
    }
    const toml = parse(text) as { extensions?: { type?: string; handle?: string }[]; settings?: { fields?: { type?: string; key?: string }[] } };
    for (const extension of toml.extensions ?? []) {
      if (extension.type !== 'flow_trigger' || !extension.handle) continue;
      const fields = toml.settings?.fields ?? [];
      triggers.set(extension.handle, {
        handle: extension.handle,
        customerReference: fields.some((field) => field.type === 'customer_reference'),
        fields: new Map(fields.filter((field) => field.key && field.type).map((field) => [field.key!, field.type!])),
      });
    }
  }
  return triggers;
}

const REFERENCE_KEYS: Record<string, string> = { customer_reference: 'customer_id' };

function valueFits(type: string, value: unknown): boolean {
  switch (type) {
    case 'number_integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number_decimal':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'single_line_text_field':
    case 'multi_line_text_field':
    case 'email':
    case 'url':
    case 'date':
    case 'date_time':
      return typeof value === 'string';
    default:
      return true;
  }
}

const schemaError = (message: string): FlowUserErrorData => ({ field: ['payload'], message: `Errors validating schema:\n  ${message}` });

export function receiveFlowTrigger(host: FlowHost, state: FlowState, args: Record<string, unknown>): { userErrors: FlowUserErrorData[] } {
  const handle = typeof args.handle === 'string' ? args.handle : null;
  if (!handle) return { userErrors: [{ field: ['handle'], message: 'A handle is required.' }] };
  const trigger = host.flowTriggers.get(handle);
  if (!trigger) return { userErrors: [{ field: ['handle'], message: `Invalid handle '${handle}'.` }] };
  const payload = args.payload;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return { userErrors: [schemaError('The payload must be a JSON object.')] };
  const size = Buffer.byteLength(JSON.stringify(payload));
  if (size > FLOW_PAYLOAD_LIMIT_BYTES) {
    return { userErrors: [schemaError(`Properties size exceeds the limit of ${FLOW_PAYLOAD_LIMIT_BYTES} bytes.`)] };
  }
  const properties = payload as Record<string, unknown>;
  const errors: FlowUserErrorData[] = [];
  if (trigger.customerReference) {
    const id = properties[REFERENCE_KEYS.customer_reference!];
    if (id === undefined || id === null) errors.push(schemaError('Missing required property: customer_id'));
    else if (!(typeof id === 'number' && Number.isInteger(id) && id > 0)) errors.push(schemaError('Invalid property: customer_id must be a customer id (integer)'));
  }
  for (const [key, value] of Object.entries(properties)) {
    if (key === 'customer_id' && trigger.customerReference) continue;
    const type = trigger.fields.get(key);
    if (type === undefined) errors.push(schemaError(`Invalid property: ${key} is not a field of ${handle}`));
    else if (value !== null && !valueFits(type, value)) errors.push(schemaError(`Invalid property: ${key} must be a ${type}`));
  }
  if (errors.length > 0) return { userErrors: errors };
  state.flowTriggersReceived.push({ handle, payload: structuredClone(properties), receivedAt: host.now() });
  return { userErrors: [] };
}
