/* Installs the service worker that shows the offline page when there is no connection, and
   tells it the language of this page. The portal works fully without it. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!("serviceWorker" in navigator) || !script) {
    return;
  }
  navigator.serviceWorker
    .register(script.getAttribute("data-worker"), { scope: "/" })
    .then(function () {
      return navigator.serviceWorker.ready;
    })
    .then(function (registration) {
      registration.active.postMessage({ language: document.documentElement.lang });
    })
    .catch(function () {
      // Without the worker, pages work as before; only the offline page is missing.
    });
})();
