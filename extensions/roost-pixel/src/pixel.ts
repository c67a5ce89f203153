// The pixel's logic, free of Shopify's globals so tests drive it with fakes: consent, sampling,
// trimming, batching, carry-over in localStorage, sending with one retry, Meta forwarding.
import { metaRequestUrl } from "./meta";
import { alwaysSent, sampledIn } from "./sampling";
import { parseSettings } from "./settings";
import { trimEvent, type TrimmedEvent } from "./trim";

export const SUBSCRIBED_EVENTS = [
  "page_viewed",
  "product_viewed",
  "collection_viewed",
  "search_submitted",
  "product_added_to_cart",
  "product_removed_from_cart",
  "cart_viewed",
  "checkout_started",
  "checkout_contact_info_submitted",
  "checkout_address_info_submitted",
  "checkout_shipping_info_submitted",
  "payment_info_submitted",
  "checkout_completed",
] as const;

export const BATCH_SIZE = 20;
export const FLUSH_DELAY_MS = 2_000;
/** Keepalive requests share a 64 KiB budget in the browser, and ingest refuses bodies over 64 KiB. */
export const MAX_BODY_BYTES = 60 * 1024;
export const RETRY_DELAY_MS = 1_000;
/** Unsent events kept for the next page; the oldest go first beyond this. */
export const MAX_STORED_EVENTS = 200;
export const STORAGE_KEY = "roost:pixel:unsent";

interface Consent {
  analyticsProcessingAllowed: boolean;
  marketingAllowed: boolean;
  preferencesProcessingAllowed: boolean;
  saleOfDataAllowed: boolean;
}

export interface AsyncStorage {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}

export interface FetchResponse {
  ok: boolean;
  status: number;
}

export interface PixelDeps {
  analytics: { subscribe(name: string, callback: (event: unknown) => void): unknown };
  browser: { localStorage: AsyncStorage };
  init: { customerPrivacy?: Partial<Consent> | null } | null | undefined;
  settings: Record<string, unknown> | null | undefined;
  customerPrivacy: {
    subscribe(name: "visitorConsentCollected", callback: (payload: { customerPrivacy?: Partial<Consent> | null }) => void): unknown;
  };
  fetch(url: string, init: RequestInit): Promise<FetchResponse>;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Console output, used only when enableConsoleLogging is "true". */
  log?: (...args: unknown[]) => void;
}

export interface Pixel {
  /** Sends what is waiting now (the timer and the 20-event threshold call it). */
  flush(): Promise<void>;
  /** Resolves once every send and storage write started so far has finished. */
  idle(): Promise<void>;
}

type Outcome = "sent" | "rejected" | "later" | "retry";

const encoder = new TextEncoder();
const byteLength = (text: string) => encoder.encode(text).length;

/** Splits events into bodies of at most BATCH_SIZE events, each under MAX_BODY_BYTES. */
export function buildBodies(orgId: string, events: TrimmedEvent[], log: (...args: unknown[]) => void = () => {}): { body: string; events: TrimmedEvent[] }[] {
  const prefix = `{"orgId":${JSON.stringify(orgId)},"events":[`;
  const frame = byteLength(prefix) + 2; // "]}"
  const bodies: { body: string; events: TrimmedEvent[] }[] = [];
  let parts: string[] = [];
  let included: TrimmedEvent[] = [];
  let size = frame;
  const close = () => {
    if (parts.length) bodies.push({ body: `${prefix}${parts.join(",")}]}`, events: included });
    parts = [];
    included = [];
    size = frame;
  };
  for (const event of events) {
    let json = JSON.stringify(event);
    // A checkout with hundreds of lines: keep its token and as many lines as fit.
    let lines = event.data.checkout?.lineItems;
    while (frame + byteLength(json) >= MAX_BODY_BYTES && lines && lines.length > 0) {
      lines = lines.slice(0, lines.length >> 1);
      json = JSON.stringify({ ...event, data: { ...event.data, checkout: { ...event.data.checkout, lineItems: lines } } });
    }
    const bytes = byteLength(json);
    if (frame + bytes >= MAX_BODY_BYTES) {
      log("Roost pixel: event too large to send", event.name, event.id);
      continue;
    }
    if (parts.length >= BATCH_SIZE || size + bytes + (parts.length ? 1 : 0) >= MAX_BODY_BYTES) close();
    size += bytes + (parts.length ? 1 : 0);
    parts.push(json);
    included.push(event);
  }
  close();
  return bodies;
}

function restore(stored: string | null): TrimmedEvent[] {
  if (!stored) return [];
  try {
    const parsed: unknown = JSON.parse(stored);
    return Array.isArray(parsed) ? parsed.map(trimEvent).filter((event): event is TrimmedEvent => event !== null) : [];
  } catch {
    return [];
  }
}

export function createPixel(deps: PixelDeps): Pixel | null {
  const parsed = parseSettings(deps.settings);
  const wantsLogging = deps.settings?.enableConsoleLogging === "true";
  const log = wantsLogging ? (deps.log ?? (() => {})) : () => {};
  if (!parsed.ok) {
    log("Roost pixel: off,", parsed.problems.join("; "));
    return null;
  }
  const settings = parsed.settings;
  for (const problem of parsed.problems) log("Roost pixel:", problem);

  const consent: Consent = {
    analyticsProcessingAllowed: false,
    marketingAllowed: false,
    preferencesProcessingAllowed: false,
    saleOfDataAllowed: false,
    ...deps.init?.customerPrivacy,
  };
  const storage = deps.browser.localStorage;

  let pending: TrimmedEvent[] = []; // waiting for the next flush
  let inFlight: TrimmedEvent[] = []; // being sent
  let parked: TrimmedEvent[] = []; // failed on this page: the next page sends them
  let timer: unknown = null;
  let sending: Promise<void> = Promise.resolve();

  // Storage writes go one after another, after the stored events have been read.
  let storing: Promise<void> = Promise.resolve()
    .then(() => storage.getItem(STORAGE_KEY))
    .then((stored) => {
      const carried = restore(stored);
      if (!carried.length) return;
      // Without consent nothing collected earlier may leave the browser, now or later.
      if (!consent.analyticsProcessingAllowed) return storage.removeItem(STORAGE_KEY);
      if (!settings.apiEndpoint) return;
      log("Roost pixel: carrying over", carried.length, "unsent events");
      const known = new Set(pending.map((event) => event.id));
      pending = [...carried.filter((event) => !known.has(event.id)), ...pending];
      schedule();
    })
    .catch((error) => log("Roost pixel: localStorage read failed", error));

  function persist(): void {
    storing = storing
      .then(() => {
        const unsent = [...parked, ...inFlight, ...pending].slice(-MAX_STORED_EVENTS);
        return unsent.length ? storage.setItem(STORAGE_KEY, JSON.stringify(unsent)) : storage.removeItem(STORAGE_KEY);
      })
      .catch((error) => log("Roost pixel: localStorage write failed", error));
  }

  function schedule(): void {
    if (pending.length >= BATCH_SIZE) void flush();
    else if (pending.length && timer === null) timer = deps.setTimeout(() => void flush(), FLUSH_DELAY_MS);
  }

  const wait = (ms: number) => new Promise<void>((resolve) => deps.setTimeout(resolve, ms));

  async function attempt(body: string): Promise<Outcome> {
    try {
      const response = await deps.fetch(settings.apiEndpoint as string, {
        method: "POST",
        keepalive: true,
        // text/plain keeps the request "simple" for CORS: no preflight before each batch.
        headers: { "content-type": "text/plain;charset=UTF-8" },
        body,
      });
      if (response.ok) return "sent";
      if (response.status === 429) return "later"; // rate-limited: an immediate retry would be too
      return response.status >= 500 ? "retry" : "rejected";
    } catch (error) {
      log("Roost pixel: send failed", error);
      return "retry";
    }
  }

  async function send(events: TrimmedEvent[]): Promise<void> {
    for (const { body, events: included } of buildBodies(settings.orgId, events, log)) {
      let outcome = await attempt(body);
      if (outcome === "retry") {
        await wait(RETRY_DELAY_MS);
        outcome = await attempt(body);
        if (outcome === "retry") outcome = "later";
      }
      log("Roost pixel:", included.length, "events", outcome);
      const ids = new Set(included.map((event) => event.id));
      inFlight = inFlight.filter((event) => !ids.has(event.id));
      if (outcome === "later" && consent.analyticsProcessingAllowed) parked = [...parked, ...included];
      persist();
    }
    // Events of this batch that could not be sent at all (too large) leave with it.
    const batchIds = new Set(events.map((event) => event.id));
    inFlight = inFlight.filter((event) => !batchIds.has(event.id));
    persist();
  }

  function flush(): Promise<void> {
    if (timer !== null) deps.clearTimeout(timer);
    timer = null;
    if (!pending.length || !settings.apiEndpoint) return sending;
    const batch = pending;
    pending = [];
    inFlight = [...inFlight, ...batch];
    sending = sending.then(() => send(batch));
    return sending;
  }

  function forwardToMeta(event: TrimmedEvent): void {
    if (!settings.metaPixelId || !consent.marketingAllowed || !consent.saleOfDataAllowed) return;
    const url = metaRequestUrl(settings.metaPixelId, event);
    if (!url) return;
    deps.fetch(url, { method: "GET", mode: "no-cors", keepalive: true }).catch((error) => log("Roost pixel: Meta request failed", error));
  }

  function onEvent(raw: unknown): void {
    if (!consent.analyticsProcessingAllowed) {
      log("Roost pixel: no analytics consent, event dropped");
      return;
    }
    const event = trimEvent(raw);
    if (!event) return;
    forwardToMeta(event);
    if (!alwaysSent(event.name) && !sampledIn(event.clientId, settings.samplingRate)) return;
    if (!settings.apiEndpoint) {
      log("Roost pixel: no apiEndpoint, event not sent", event.name);
      return;
    }
    pending.push(event);
    persist();
    schedule();
  }

  deps.customerPrivacy.subscribe("visitorConsentCollected", (payload) => {
    Object.assign(consent, payload?.customerPrivacy ?? {});
    log("Roost pixel: consent", consent);
    if (!consent.analyticsProcessingAllowed) {
      // Consent withdrawn: what waits is dropped, from memory and storage.
      if (timer !== null) deps.clearTimeout(timer);
      timer = null;
      pending = [];
      parked = [];
      persist();
    }
  });
  for (const name of SUBSCRIBED_EVENTS) deps.analytics.subscribe(name, onEvent);

  return {
    flush,
    async idle() {
      let before: [Promise<void>, Promise<void>];
      do {
        before = [sending, storing];
        await Promise.all(before);
      } while (before[0] !== sending || before[1] !== storing);
    },
  };
}
