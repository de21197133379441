import type { MessagingBackend } from './types.js'

export * from './types.js'

/**
 * The backend a messaging binding names, connected (CAPABILITY_BACKEND_UNREACHABLE when the server
 * is not there). The NATS client is imported on demand.
 */
export async function openMessagingBackend(binding: { backend: string; linkConfig: Record<string, string> }): Promise<MessagingBackend> {
  if (binding.backend !== 'nats') throw new Error(`no messaging backend named ${binding.backend}`)
  const { NatsMessagingBackend } = await import('./nats.js')
  return NatsMessagingBackend.connect(binding.linkConfig)
}
