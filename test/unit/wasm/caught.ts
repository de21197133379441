/** What a call threw, in the parts tests assert on (code, message, nkeys reason); undefined when it returned. */
export function caught(fn: () => unknown): { code?: string; message: string; reason?: unknown } | undefined {
  try {
    fn()
  } catch (error) {
    const e = error as { code?: string; message: string; details?: { reason?: unknown } }
    return { code: e.code, message: e.message, reason: e.details?.reason }
  }
  return undefined
}
