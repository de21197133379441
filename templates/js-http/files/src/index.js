// The component's HTTP handler. wasmctl turns this module into a WebAssembly component with
// componentize-js; the host calls it once per request.
const GREETING = "{{greeting}}"

addEventListener('fetch', (event) => {
  event.respondWith(handle(event.request))
})

/** @param {Request} request */
function handle(request) {
  const path = new URL(request.url, 'http://localhost').pathname
  return new Response(`${GREETING}\n`, {
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-request-path': path },
  })
}
