/* Registers the service worker for offline reading (static/sw.js); nothing here is needed for the pages to work. */
(function () {
  if (!("serviceWorker" in navigator) || !document.body.dataset.learner) return;
  navigator.serviceWorker.register("/sw.js").then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    var last = Number(localStorage.getItem("lms-offline-refresh") || 0);
    var force = document.body.dataset.offlineRefresh === "1";
    if (force || Date.now() - last > 10 * 60 * 1000) {
      registration.active.postMessage("refresh");
      localStorage.setItem("lms-offline-refresh", String(Date.now()));
    }
  }).catch(function () {});
  window.addEventListener("online", function () {
    navigator.serviceWorker.ready.then(function (r) { r.active.postMessage("refresh"); });
  });
})();
