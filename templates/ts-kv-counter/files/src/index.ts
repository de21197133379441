// Counts the requests to each path. The count lives in a wasi:keyvalue bucket the host provides,
// not in the component: every request runs in a fresh instance, so in-memory state would be lost.
import { open } from 'wasi:keyvalue/store@0.2.0-draft'
import { increment } from 'wasi:keyvalue/atomics@0.2.0-draft'

const BUCKET = "{{bucket}}"

addEventListener('fetch', (event) => {
  event.respondWith(count(event.request))
})

function count(request: Request): Response {
  const path = new URL(request.url, 'http://localhost').pathname
  try {
    const visits = increment(open(BUCKET), path, 1n)
    return json(200, { path, count: Number(visits) })
  } catch (error) {
    // Imported functions throw the WIT error variant (`{ tag, val }`) when the store refuses.
    return json(503, { path, error: describe(error) })
  }
}

function json(status: number, body: unknown): Response {
  return new Response(`${JSON.stringify(body)}\n`, { status, headers: { 'content-type': 'application/json' } })
}

function describe(error: unknown): string {
  const payload = (error as { payload?: { tag?: string; val?: unknown } }).payload
  if (payload?.tag) return payload.val === undefined ? payload.tag : `${payload.tag}: ${String(payload.val)}`
  return String(error)
}
