/* Doorstep visits service worker: keeps the worklist and its assets so it opens without a network.
   Recording offline is done by the page (IndexedDB queue); this worker only serves cached pages. */
"use strict";
var CACHE = "doorstep-visits-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "cache" || !Array.isArray(data.urls)) { return; }
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return Promise.all(data.urls.map(function (url) {
        return fetch(url, { credentials: "same-origin" }).then(function (resp) {
          if (resp.ok && !resp.redirected) { return cache.put(url, resp); }
        })["catch"](function () {});
      }));
    }).then(function () { if (event.ports[0]) { event.ports[0].postMessage("cached"); } })
  );
});

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") { return; }
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) { return; }
  var isPage = req.mode === "navigate" && url.pathname.indexOf("/work/visits/") === 0;
  var isStatic = url.pathname.indexOf("/static/") === 0;
  if (!isPage && !isStatic) { return; }
  event.respondWith(
    fetch(req).then(function (resp) {
      if (resp.ok && !resp.redirected && resp.type === "basic") {
        var copy = resp.clone();
        caches.open(CACHE).then(function (cache) { cache.put(req, copy); });
      }
      return resp;
    })["catch"](function () {
      return caches.match(req).then(function (hit) {
        return hit || caches.match(url.pathname) || caches.match("/work/visits/");
      });
    })
  );
});
