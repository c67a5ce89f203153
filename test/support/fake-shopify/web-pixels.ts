import { GraphQLError } from 'graphql';

import { toGid } from './gid.js';

/**
 * Web pixels (webPixelCreate / webPixelUpdate / webPixelDelete and the `webPixel` query), as
 * Shopify validates them: one pixel per app per shop, and settings that match the extension's
 * settings definition exactly (every key present, no other key, every value a string — the
 * definition's fields are `single_line_text_field`s).
 */

/** Roost's extension (extensions/roost-pixel/shopify.extension.toml): its settings keys. */
export const DEFAULT_WEB_PIXEL_SETTINGS: readonly string[] = ['orgId', 'apiEndpoint', 'samplingRate', 'enableConsoleLogging', 'metaPixelId'];

/** Keys whose definition carries `validations = [{ name = "min", value = "1" }]`: an empty value is refused. */
export const DEFAULT_WEB_PIXEL_REQUIRED: readonly string[] = ['orgId'];

export interface WebPixelRecord {
  kind: 'WebPixel';
  id: string;
  numericId: number;
  /** The settings as stored: a JSON object serialised, returned as the `settings` string. */
  settings: string;
  runtimeContext: string;
}

export type WebPixelErrorCode =
  | 'BLANK'
  | 'INVALID_CONFIGURATION_JSON'
  | 'INVALID_RUNTIME_CONTEXT'
  | 'INVALID_SETTINGS'
  | 'INVALID_SETTINGS_DEFINITION'
  | 'NO_EXTENSION'
  | 'NOT_FOUND'
  | 'TAKEN'
  | 'UNEXPECTED_ERROR';

export interface WebPixelUserErrorData {
  field: string[] | null;
  message: string;
  code: WebPixelErrorCode;
}

export interface WebPixelHost {
  /** The app's web pixel extension settings keys; null: the app has no web pixel extension. */
  webPixelSettings: readonly string[] | null;
  /** Settings keys whose value may not be empty (a `min` length validation of 1). */
  webPixelRequired: readonly string[];
  allocateId(): number;
}

/** Per shop: the app's pixel, or null. */
export interface WebPixelState {
  webPixel: WebPixelRecord | null;
}

const RUNTIME_CONTEXTS = new Set(['STRICT', 'LAX']);

function error(code: WebPixelErrorCode, message: string, field: string[] | null = ['webPixel', 'settings']): WebPixelUserErrorData {
  return { field, message, code };
}

/** Validates `WebPixelInput.settings` against the extension's definition; returns the canonical JSON or an error. */
function validSettings(host: WebPixelHost, input: Record<string, unknown>): { settings: string; runtimeContext: string } | WebPixelUserErrorData {
  if (!host.webPixelSettings) return error('NO_EXTENSION', 'No web pixel extension was found for this app.', null);
  const runtimeContext = typeof input.runtimeContext === 'string' ? input.runtimeContext : 'STRICT';
  // App pixels always run in the strict sandbox; lax is for custom pixels.
  if (runtimeContext !== 'STRICT') {
    return error('INVALID_RUNTIME_CONTEXT', `Runtime context ${RUNTIME_CONTEXTS.has(runtimeContext) ? runtimeContext : 'is invalid'}: app pixels run in STRICT.`, ['webPixel', 'runtimeContext']);
  }
  const raw = input.settings;
  if (raw === undefined || raw === null || raw === '') return error('BLANK', "Settings can't be blank.");
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return error('INVALID_CONFIGURATION_JSON', 'Settings is not valid JSON.');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return error('INVALID_CONFIGURATION_JSON', 'Settings must be a JSON object.');
  }
  const settings = value as Record<string, unknown>;
  const missing = host.webPixelSettings.filter((key) => !(key in settings));
  if (missing.length > 0) {
    return error('INVALID_SETTINGS', `Settings is missing ${missing.map((key) => `'${key}'`).join(', ')}, defined by the extension's settings definition.`);
  }
  const unknown = Object.keys(settings).filter((key) => !host.webPixelSettings?.includes(key));
  if (unknown.length > 0) {
    return error('INVALID_SETTINGS', `Settings has ${unknown.map((key) => `'${key}'`).join(', ')}, not defined by the extension's settings definition.`);
  }
  const notText = Object.keys(settings).filter((key) => typeof settings[key] !== 'string');
  if (notText.length > 0) {
    return error('INVALID_SETTINGS', `Settings ${notText.map((key) => `'${key}'`).join(', ')} must be a string (single_line_text_field).`);
  }
  const empty = host.webPixelRequired.filter((key) => settings[key] === '');
  if (empty.length > 0) {
    return error('INVALID_SETTINGS', `Settings ${empty.map((key) => `'${key}'`).join(', ')} is too short (minimum is 1 character).`);
  }
  const canonical = Object.fromEntries(host.webPixelSettings.map((key) => [key, settings[key]]));
  return { settings: JSON.stringify(canonical), runtimeContext };
}

function webPixelInput(args: Record<string, unknown>): Record<string, unknown> {
  const input = args.webPixel;
  return typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
}

export function createWebPixel(
  host: WebPixelHost,
  state: WebPixelState,
  args: Record<string, unknown>,
): { webPixel: WebPixelRecord | null; userErrors: WebPixelUserErrorData[] } {
  if (state.webPixel) return { webPixel: null, userErrors: [error('TAKEN', 'Web pixel is taken: this app already has a web pixel on the shop.', ['webPixel'])] };
  const valid = validSettings(host, webPixelInput(args));
  if ('code' in valid) return { webPixel: null, userErrors: [valid] };
  const numericId = host.allocateId();
  state.webPixel = { kind: 'WebPixel', id: toGid('WebPixel', numericId), numericId, ...valid };
  return { webPixel: state.webPixel, userErrors: [] };
}

export function updateWebPixel(
  host: WebPixelHost,
  state: WebPixelState,
  args: Record<string, unknown>,
): { webPixel: WebPixelRecord | null; userErrors: WebPixelUserErrorData[] } {
  const id = typeof args.id === 'string' ? args.id : '';
  if (!state.webPixel || state.webPixel.id !== id) {
    return { webPixel: null, userErrors: [error('NOT_FOUND', 'Web pixel not found.', ['id'])] };
  }
  const valid = validSettings(host, webPixelInput(args));
  if ('code' in valid) return { webPixel: null, userErrors: [valid] };
  Object.assign(state.webPixel, valid);
  return { webPixel: state.webPixel, userErrors: [] };
}

export function deleteWebPixel(state: WebPixelState, args: Record<string, unknown>): { deletedWebPixelId: string | null; userErrors: WebPixelUserErrorData[] } {
  const id = typeof args.id === 'string' ? args.id : '';
  if (!state.webPixel || state.webPixel.id !== id) {
    return { deletedWebPixelId: null, userErrors: [error('NOT_FOUND', 'Web pixel not found.', ['id'])] };
  }
  state.webPixel = null;
  return { deletedWebPixelId: id, userErrors: [] };
}

/** `webPixel(id:)`: the app's pixel (by id when given); a NOT_FOUND error when there is none. */
export function findWebPixel(state: WebPixelState, args: Record<string, unknown>): WebPixelRecord {
  const id = typeof args.id === 'string' ? args.id : null;
  if (!state.webPixel || (id !== null && state.webPixel.id !== id)) {
    throw new GraphQLError('No web pixel was found for this app.', { extensions: { code: 'RESOURCE_NOT_FOUND' } });
  }
  return state.webPixel;
}
