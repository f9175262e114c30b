/* qyzmet's service worker. When a page cannot be loaded because there is no connection, it
   shows the offline page in the person's language instead of the browser's error. It keeps
   only that page and the style sheet; everything else comes from the network, always. */
"use strict";

const CONFIG = {{ config|safe }};
// Where the worker notes the language of the last page opened (a page tells it).
const LANGUAGE_KEY = "/sw.js?language";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CONFIG.cache)
      .then((cache) => cache.addAll([...Object.values(CONFIG.offline), CONFIG.css]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  const old = (name) => name.startsWith("qyzmet-offline-") && name !== CONFIG.cache;
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter(old).map((name) => caches.delete(name))))
      // The browser starts loading a page while the worker wakes up, not after.
      .then(() => self.registration.navigationPreload && self.registration.navigationPreload.enable())
      .then(() => self.clients.claim()),
  );
});

function isLanguage(language) {
  return typeof language === "string" && Object.prototype.hasOwnProperty.call(CONFIG.offline, language);
}

self.addEventListener("message", (event) => {
  const language = event.data && event.data.language;
  if (isLanguage(language)) {
    event.waitUntil(
      caches.open(CONFIG.cache).then((cache) => cache.put(LANGUAGE_KEY, new Response(language))),
    );
  }
});

function offlinePage() {
  return caches.open(CONFIG.cache).then((cache) =>
    cache
      .match(LANGUAGE_KEY)
      .then((noted) => (noted ? noted.text() : CONFIG.language))
      .then((language) => cache.match(CONFIG.offline[isLanguage(language) ? language : CONFIG.language]))
      .then((page) => page || Response.error()),
  );
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return; // forms are sent as they would be without the worker
  }
  if (request.mode === "navigate") {
    event.respondWith(
      Promise.resolve(event.preloadResponse)
        .then((preloaded) => preloaded || fetch(request))
        .catch(offlinePage),
    );
  } else if (new URL(request.url).pathname === CONFIG.css) {
    event.respondWith(
      fetch(request).catch(() => caches.match(CONFIG.css).then((kept) => kept || Response.error())),
    );
  }
});
