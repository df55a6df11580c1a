// The courier page's service worker: the page and its assets are kept, so a phone that reloads
// without a connection still opens the round (its data and unsent records are in the page's
// own storage). Network first: a connected phone always gets the current page.
const CACHE = "courier-v1";
const PAGE = "{{ page|escapejs }}";
const ASSETS = [{% for asset in assets %}"{{ asset|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];

self.addEventListener("install", (event) => {
  self.skipWaiting();
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([PAGE, ...ASSETS])));
});

self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  const keep = request.method === "GET" && url.origin === self.location.origin &&
    (url.pathname === PAGE || ASSETS.includes(url.pathname) || url.pathname.startsWith("/basemap/"));
  if (!keep) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(() => caches.match(request, { ignoreSearch: url.pathname === PAGE }).then((hit) => hit || Response.error()))
  );
});
