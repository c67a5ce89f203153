// Fakes of what Shopify hands a web pixel (analytics, browser.localStorage, init,
// customerPrivacy) plus a recording fetch, to drive extensions/roost-pixel/src/pixel.ts.
import { vi } from "vitest";
import { createPixel, type AsyncStorage, type FetchResponse, type Pixel, type PixelDeps } from "../../extensions/roost-pixel/src/pixel";
import { PII } from "./events";

export const ENDPOINT = "https://roost.example/ingest/events";
export const ORG_ID = "org_7Hq2";

export interface Consent {
  analyticsProcessingAllowed: boolean;
  marketingAllowed: boolean;
  preferencesProcessingAllowed: boolean;
  saleOfDataAllowed: boolean;
}

export const ALL_CONSENT: Consent = {
  analyticsProcessingAllowed: true,
  marketingAllowed: true,
  preferencesProcessingAllowed: true,
  saleOfDataAllowed: true,
};
export const ANALYTICS_ONLY: Consent = { ...ALL_CONSENT, marketingAllowed: false, preferencesProcessingAllowed: false };
export const NO_CONSENT: Consent = {
  analyticsProcessingAllowed: false,
  marketingAllowed: false,
  preferencesProcessingAllowed: false,
  saleOfDataAllowed: false,
};

/** localStorage as the strict sandbox exposes it: every call returns a promise. */
export class FakeStorage implements AsyncStorage {
  readonly items = new Map<string, string>();
  async getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  async setItem(key: string, value: string) {
    this.items.set(key, String(value));
  }
  async removeItem(key: string) {
    this.items.delete(key);
  }
}

// Bodies are read as plain JSON in assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export interface Call {
  url: string;
  init: RequestInit;
}

/** A fetch that records every call and answers from `respond` (200 by default). */
export class FakeFetch {
  readonly calls: Call[] = [];
  respond: (call: Call) => Promise<FetchResponse> | FetchResponse = () => ({ ok: true, status: 200 });
  readonly fn = (url: string, init: RequestInit): Promise<FetchResponse> => {
    const call = { url, init };
    this.calls.push(call);
    try {
      return Promise.resolve(this.respond(call));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  /** Posts to Roost's endpoint, with their parsed bodies. */
  posts() {
    return this.calls
      .filter((call) => call.url === ENDPOINT)
      .map((call) => ({ call, body: JSON.parse(String(call.init.body)) as { orgId: string; events: Json[] } }));
  }
  postedEvents() {
    return this.posts().flatMap((post) => post.body.events);
  }
  metaCalls() {
    return this.calls.filter((call) => call.url.startsWith("https://www.facebook.com/tr/"));
  }
}

export interface Page {
  pixel: Pixel | null;
  publish(name: string, event: Record<string, unknown>): void;
  giveConsent(consent: Partial<Consent>): void;
  subscribed: string[];
  logs: unknown[][];
}

export interface PageOptions {
  settings?: Record<string, unknown>;
  consent?: Consent;
  storage?: FakeStorage;
  fetch?: FakeFetch;
}

/** One storefront page: a fresh pixel instance over the given storage (shared across pages). */
export function openPage(options: PageOptions = {}): Page & { storage: FakeStorage; fetch: FakeFetch } {
  const storage = options.storage ?? new FakeStorage();
  const fetch = options.fetch ?? new FakeFetch();
  const subscribers = new Map<string, (event: unknown) => void>();
  const consentSubscribers: Array<(payload: { customerPrivacy: Partial<Consent> }) => void> = [];
  const logs: unknown[][] = [];
  const pixel = createPixel({
    analytics: {
      subscribe(name, callback) {
        subscribers.set(name, callback);
        return () => subscribers.delete(name);
      },
    },
    browser: { localStorage: storage },
    // What Shopify hands over for a logged-in customer: the pixel must never send any of it.
    init: {
      customerPrivacy: { ...(options.consent ?? ANALYTICS_ONLY) },
      data: {
        customer: { id: PII.customerId, email: PII.email, firstName: PII.firstName, lastName: PII.lastName, phone: PII.phone },
        cart: null,
        shop: { name: "Roost Test", myshopifyDomain: "roost-test.myshopify.com" },
        purchasingCompany: null,
      },
    } as PixelDeps["init"],
    settings: options.settings ?? { orgId: ORG_ID, apiEndpoint: ENDPOINT, samplingRate: "", enableConsoleLogging: "", metaPixelId: "" },
    customerPrivacy: {
      subscribe(name, callback) {
        if (name !== "visitorConsentCollected") throw new Error(`unknown privacy event ${name}`);
        consentSubscribers.push(callback);
        return () => true;
      },
    },
    fetch: fetch.fn,
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    log: (...args) => logs.push(args),
  });
  return {
    pixel,
    storage,
    fetch,
    logs,
    subscribed: [...subscribers.keys()],
    publish(name, event) {
      const subscriber = subscribers.get(name);
      if (!subscriber) throw new Error(`the pixel did not subscribe to ${name}`);
      subscriber({ ...event, name });
    },
    giveConsent(consent) {
      for (const subscriber of consentSubscribers) subscriber({ customerPrivacy: consent });
    },
  };
}

/** Lets pending promises and due fake timers run. */
export async function settle(page: { pixel: Pixel | null }, ms = 0) {
  await vi.advanceTimersByTimeAsync(ms);
  await page.pixel?.idle();
}

export function storedEvents(storage: FakeStorage): Json[] {
  const stored = storage.items.get("roost:pixel:unsent");
  return stored ? JSON.parse(stored) : [];
}
