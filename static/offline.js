/* On My learning: registers the service worker for offline reading (static/sw.js) and asks it to keep the
   lessons of the courses followed. Nothing here is needed for the pages to work. */
(function () {
  if (!("serviceWorker" in navigator) || !document.body.dataset.learner) return;
  navigator.serviceWorker.register("/sw.js").then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    registration.active.postMessage("refresh");  // My learning: keep the lessons of the courses followed
  }).catch(function () {});
  window.addEventListener("online", function () {
    navigator.serviceWorker.ready.then(function (r) { r.active.postMessage("refresh"); });
  });
})();
