// The component's HTTP handler. wasmctl bundles this file with esbuild and turns it into a
// WebAssembly component with componentize-js; the host calls it once per request.
const GREETING = "{{greeting}}"

addEventListener('fetch', (event) => {
  event.respondWith(handle(event.request))
})

function handle(request: Request): Response {
  const path = new URL(request.url, 'http://localhost').pathname
  return new Response(`${GREETING}\n`, {
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-request-path': path },
  })
}
