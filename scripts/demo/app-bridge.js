// Local stand-in for App Bridge (served only by `npm run demo` and the browser tests, where
// Shopify's CDN and admin are out of reach). It does for the app what the admin would:
// hands out fresh session tokens, adds them to the app's own fetches, answers the
// session-token bounce page, shows the app's navigation menu as the admin's sidebar, and opens
// links into the admin on the simulated store's page.
(function () {
  "use strict";
  var params = new URLSearchParams(location.search);
  var saved = JSON.parse(sessionStorage.getItem("roost-demo") || "{}");
  var shop = params.get("shop") || saved.shop;
  var host = params.get("host") || saved.host;
  sessionStorage.setItem("roost-demo", JSON.stringify({ shop: shop, host: host }));
  var script = document.currentScript;
  var apiKey = (script && script.dataset.apiKey) || "";
  var nativeFetch = window.fetch.bind(window);

  function idToken() {
    return nativeFetch("/__demo/session-token?shop=" + encodeURIComponent(shop))
      .then(function (response) {
        if (!response.ok) throw new Error("session token refused: " + response.status);
        return response.json();
      })
      .then(function (body) {
        return body.token;
      });
  }

  // App Bridge adds the session token to the app's own requests (Remix data loads).
  window.fetch = function (input, init) {
    var url = new URL(input instanceof Request ? input.url : String(input), location.href);
    if (url.origin !== location.origin || url.pathname.indexOf("/__demo/") === 0) return nativeFetch(input, init);
    return idToken().then(function (token) {
      var headers = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));
      headers.set("Authorization", "Bearer " + token);
      return nativeFetch(input, Object.assign({}, init, { headers: headers }));
    });
  };

  window.shopify = {
    config: { apiKey: apiKey, shop: shop, host: host },
    environment: { embedded: true, mobile: false, pos: false },
    idToken: idToken,
    loading: function () {},
    toast: {
      show: function (message) {
        var toast = document.createElement("div");
        toast.setAttribute("role", "status");
        toast.textContent = message;
        toast.style.cssText = "position:fixed;bottom:24px;left:50%;transform:translateX(-50%);background:#303030;color:#fff;padding:8px 16px;border-radius:8px;z-index:1000";
        document.body.appendChild(toast);
        setTimeout(function () { toast.remove(); }, 3000);
      },
      hide: function () {},
    },
  };

  // The library's bounce page: reload the requested URL with a fresh token.
  if (location.pathname === "/auth/session-token") {
    var reload = params.get("shopify-reload");
    if (reload) {
      idToken().then(function (token) {
        var target = new URL(reload, location.origin);
        target.searchParams.set("id_token", token);
        location.replace(target.toString());
      });
    }
  }

  // A link into Shopify admin (shopify://admin/orders/123 with target="_top") makes the admin
  // open that page. The demo has no admin: its store page stands in, at #order-123 or #customer-123.
  document.addEventListener(
    "click",
    function (event) {
      var link = event.target instanceof Element ? event.target.closest('a[href^="shopify://admin/"]') : null;
      if (!link) return;
      event.preventDefault();
      var match = /^shopify:\/\/admin\/([a-z_]+?)s?\/(\d+)/.exec(link.getAttribute("href"));
      location.assign("/__demo/store" + (match ? "#" + match[1] + "-" + match[2] : ""));
    },
    true,
  );

  // The admin renders <ui-nav-menu> as its sidebar; here it becomes a bar above the app.
  var style = document.createElement("style");
  style.textContent =
    "ui-nav-menu{display:flex;gap:16px;padding:12px 20px;background:#1a1a1a;font:500 14px system-ui,sans-serif}" +
    "ui-nav-menu a{color:#e3e3e3;text-decoration:none}ui-nav-menu a[aria-current=page]{color:#fff;text-decoration:underline}";
  document.head.appendChild(style);
})();
