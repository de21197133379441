import { expect } from 'vitest'

/** GET url: its status and body text. */
export async function getText(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url)
  return { status: response.status, body: await response.text() }
}

/**
 * The bodies two clients got requesting `url` without pause while `during` runs (a swap, a
 * reload); fails the test on any answer but 200, so a dropped request cannot go unnoticed.
 */
export async function bodiesDuring(url: string, during: () => Promise<void>): Promise<Set<string>> {
  let stop = false
  const outcomes: { status: number; body: string }[] = []
  const client = async () => {
    while (!stop) outcomes.push(await getText(url).catch((error) => ({ status: 0, body: String(error) })))
  }
  const clients = [client(), client()]
  try {
    await during()
  } finally {
    stop = true
    await Promise.all(clients)
  }
  expect(outcomes.filter((outcome) => outcome.status !== 200)).toEqual([])
  return new Set(outcomes.map((outcome) => outcome.body))
}
