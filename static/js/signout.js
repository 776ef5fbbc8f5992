// Signing out removes the pages kept on this phone for offline use (they hold names and addresses).
// Visits still waiting to be sent live in IndexedDB, not in these caches, and go out after the next sign-in.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute("data-signout") || form.getAttribute("data-cleared") || !("caches" in window)) {
    return;
  }
  event.preventDefault();
  caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf("doorstep-") === 0;
    }).map(function (key) {
      return caches.delete(key);
    }));
  }).catch(function () {}).then(function () {
    form.setAttribute("data-cleared", "1");
    form.submit();
  });
});
