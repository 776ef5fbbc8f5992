/* Doorstep visits: record a visit with one tap, keep it in IndexedDB until the server has it.
   Every tap gets its own client id; the server treats a resend of that id as the same visit,
   so sending again after a dropped connection is always safe. Nothing here needs a library. */
(function () {
  "use strict";
  var box = document.getElementById("visit-queue");
  if (!box || !window.indexedDB || !window.fetch) { return; }
  var API = box.getAttribute("data-api");
  var CSRF = box.getAttribute("data-csrf");
  var text = box.querySelector(".queue-text");
  var DB_NAME = "doorstep-visits";
  var STORE = "queue";
  var sending = false;

  function t(key, n) {
    return (box.getAttribute("data-t-" + key) || "").replace("{n}", String(n));
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "client_id" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var req = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(req ? req.result : undefined); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function put(item) { return withStore("readwrite", function (s) { return s.put(item); }); }
  function remove(id) { return withStore("readwrite", function (s) { return s["delete"](id); }); }
  function all() { return withStore("readonly", function (s) { return s.getAll(); }); }

  function show(items) {
    var pending = items.filter(function (i) { return !i.error; }).length;
    var failed = items.length - pending;
    if (!items.length) {
      box.hidden = !box.getAttribute("data-sent");
      text.textContent = box.getAttribute("data-sent") ? t("sent") : "";
      box.className = "queue-status ok";
    } else {
      box.hidden = false;
      box.className = "queue-status waiting";
      text.textContent = t("waiting", pending) + (failed ? " " + t("failed", failed) : "");
    }
    box.setAttribute("data-pending", String(pending));
    items.forEach(function (item) { markRow(item.household_id, item.error ? "failed" : "queued"); });
  }

  function markRow(householdId, state) {
    var rows = document.querySelectorAll('[data-household="' + householdId + '"]');
    Array.prototype.forEach.call(rows, function (row) {
      row.setAttribute("data-state", state);
      var button = row.querySelector("button.visit-done");
      if (!button) { return; }
      button.disabled = true;
      button.textContent = t(state === "sent" ? "btn-sent" : state === "failed" ? "btn-failed" : "btn-queued");
    });
  }

  function refresh() { return all().then(show); }

  function flush() {
    if (sending) { return Promise.resolve(); }
    if (!navigator.onLine) { return refresh(); }
    sending = true;
    return all().then(function (items) {
      var chain = Promise.resolve();
      items.filter(function (i) { return !i.error; }).forEach(function (item) {
        chain = chain.then(function () {
          var body = {};
          Object.keys(item).forEach(function (k) { if (k !== "error" && item[k] !== "" && item[k] !== null) { body[k] = item[k]; } });
          return fetch(API, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": CSRF },
            body: JSON.stringify(body)
          }).then(function (resp) {
            if (resp.ok) {
              box.setAttribute("data-sent", "1");
              markRow(item.household_id, "sent");
              return remove(item.client_id);
            }
            if (resp.status >= 400 && resp.status < 500 && resp.status !== 408 && resp.status !== 429) {
              item.error = resp.status;
              return put(item);
            }
            throw new Error("server " + resp.status);
          });
        });
      });
      return chain;
    }).catch(function () { /* offline or server away: try again later */ })
      .then(function () { sending = false; return refresh(); });
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("quick-visit")) { return; }
    event.preventDefault();
    var data = new FormData(form);
    var item = {
      client_id: newId(),
      household_id: parseInt(data.get("household"), 10),
      mode: data.get("mode") || "in_person",
      note: data.get("note") || "",
      next_visit_date: data.get("next_visit_date") || null,
      person_id: data.get("person") ? parseInt(data.get("person"), 10) : null,
      plan_stop_id: data.get("stop") ? parseInt(data.get("stop"), 10) : null,
      recorded_at: new Date().toISOString()
    };
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    put(item).then(function () {
      markRow(item.household_id, "queued");
      return flush();
    }).then(function () {
      if (form.getAttribute("data-full")) {
        var back = document.querySelector(".subnav a");
        window.location.href = back ? back.getAttribute("href") : "/work/visits/";
      }
    });
  }

  document.addEventListener("submit", onSubmit);
  window.addEventListener("online", flush);
  window.addEventListener("offline", refresh);
  setInterval(flush, 5000);
  refresh().then(flush);

  if ("serviceWorker" in navigator && box.getAttribute("data-sw")) {
    navigator.serviceWorker.register(box.getAttribute("data-sw")).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      var urls = [window.location.pathname + window.location.search];
      Array.prototype.forEach.call(document.querySelectorAll("link[rel=stylesheet][href], script[src]"), function (el) {
        urls.push(el.getAttribute("href") || el.getAttribute("src"));
      });
      var channel = new MessageChannel();
      channel.port1.onmessage = function () { box.setAttribute("data-offline-ready", "1"); };
      reg.active.postMessage({ type: "cache", urls: urls }, [channel.port2]);
    })["catch"](function () { /* no offline pages, the queue still works */ });
  }
})();
