import { register } from "@shopify/web-pixels-extension";
import { createPixel, type PixelDeps } from "./pixel";

register(({ analytics, browser, init, settings, customerPrivacy }) => {
  createPixel({
    analytics: analytics as PixelDeps["analytics"],
    browser,
    init,
    settings,
    customerPrivacy: customerPrivacy as PixelDeps["customerPrivacy"],
    fetch: (url, options) => fetch(url, options),
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    // eslint-disable-next-line no-console -- the merchant turns this on with enableConsoleLogging
    log: (...args) => console.log(...args),
  });
});
