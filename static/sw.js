/* Offline reading (progressive enhancement; every page works without it).
   - Lessons of the courses the learner is enrolled in are cached (the list
     comes from /my/offline.json) and served from the cache when the network
     is down; online, lesson pages come from the network and refresh the copy.
   - "Mark as done" sent offline is kept (IndexedDB) and posted once the
     network is back; the endpoint is idempotent.
   - Quizzes need the network: offline, a page says so.
   - Logging out empties the cache (a shared computer keeps nothing). */
const CACHE = "lms-offline-v1";
const LESSON = /^\/courses\/[^/]+\/lessons\/[^/]+$/;
const DONE = /^\/courses\/[^/]+\/lessons\/[^/]+\/done$/;
const QUIZ = /^\/(courses\/[^/]+\/quiz(\/.*)?|attempts\/\d+)$/;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function page(title, text, link) {
  const lang = (self.navigator.language || "").toLowerCase().startsWith("zh");
  const body = `<!doctype html><html lang="${lang ? "zh-CN" : "en"}"><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>` +
    `<body style="font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem">` +
    `<h1>${title}</h1><p>${text}</p><p><a href="${link}">${lang ? "返回" : "Back"}</a></p></body></html>`;
  return new Response(body, {status: 200, headers: {"Content-Type": "text/html; charset=utf-8"}});
}

function zh() { return (self.navigator.language || "").toLowerCase().startsWith("zh"); }

// ---- the queue of "mark as done" made offline (IndexedDB) ----------------------
function db() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("lms-offline", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("outbox", {keyPath: "id", autoIncrement: true});
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}
async function store(action, entry) {
  const handle = await db();
  return new Promise((resolve, reject) => {
    const tx = handle.transaction("outbox", "readwrite");
    const request = action(tx.objectStore("outbox"), entry);
    tx.oncomplete = () => resolve(request && request.result);
    tx.onerror = () => reject(tx.error);
  });
}
const keep = (entry) => store((s, e) => s.add(e), entry);
const forget = (id) => store((s, k) => s.delete(k), id);
const queued = () => store((s) => s.getAll());

let replaying = null;
async function replay() {
  if (replaying) return replaying;
  replaying = (async () => {
    for (const item of await queued()) {
      try {
        const response = await fetch(item.url, {method: "POST", body: item.body, credentials: "same-origin",
          redirect: "manual", headers: {"Content-Type": "application/x-www-form-urlencoded"}});
        // Sent (a redirect, or a refusal that sending again would not change): done with it.
        if (response.type === "opaqueredirect" || response.status < 500) await forget(item.id);
      } catch (e) { break; }  // still offline
    }
  })().finally(() => { replaying = null; });
  return replaying;
}

// ---- caching ------------------------------------------------------------------
async function refresh() {
  const response = await fetch("/my/offline.json", {credentials: "same-origin"});
  if (!response.ok) return;
  const wanted = await response.json();
  const cache = await caches.open(CACHE);
  const urls = [...wanted.lessons, ...wanted.assets];
  const have = new Set((await cache.keys()).map((r) => new URL(r.url).pathname + new URL(r.url).search));
  for (const url of urls) {
    if (have.has(url)) continue;
    try {
      const page = await fetch(url, {credentials: "same-origin"});
      if (page.ok && !page.redirected) await cache.put(url, page);
    } catch (e) { return; }
  }
}

self.addEventListener("message", (event) => {
  if (event.data === "refresh") event.waitUntil(Promise.all([refresh(), replay()]));
  if (event.data === "clear") event.waitUntil(caches.delete(CACHE));
});
self.addEventListener("online", () => replay());

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (event.request.method === "POST" && DONE.test(path)) {
    event.respondWith((async () => {
      const body = await event.request.clone().text();
      try {
        const response = await fetch(event.request);
        replay();
        return response;
      } catch (e) {
        await keep({url: path, body: body});
        return zh()
          ? page("已离线保存", "您标记的“已学完”已保存在本设备上，恢复联网后会自动提交。", path.replace(/\/done$/, ""))
          : page("Saved offline", "Your “mark as done” is kept on this device and will be sent when you are back online.",
                 path.replace(/\/done$/, ""));
      }
    })());
    return;
  }
  if (event.request.method === "POST" && path === "/auth/logout") {
    event.waitUntil(caches.delete(CACHE));
    return;
  }
  if (event.request.method !== "GET") return;
  if (LESSON.test(path)) {
    event.respondWith((async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(event.request);
        if (response.ok && !response.redirected) await cache.put(path, response.clone());
        replay();
        return response;
      } catch (e) {
        const copy = await cache.match(path);
        if (copy) return copy;
        return zh() ? page("未联网", "这一课没有保存在本设备上，请联网后再打开。", "/my")
                    : page("Offline", "This lesson is not saved on this device: open it again when you are online.", "/my");
      }
    })());
    return;
  }
  if (QUIZ.test(path)) {
    event.respondWith(fetch(event.request).catch(() => zh()
      ? page("测验需要联网", "测验需要联网才能开始和提交，请恢复联网后再试。", "/my")
      : page("The quiz needs a connection", "Quizzes are started and submitted online: try again when you are connected.", "/my")));
    return;
  }
  if (path.startsWith("/static/")) {
    event.respondWith((async () => (await caches.match(event.request)) || fetch(event.request))());
  }
});
