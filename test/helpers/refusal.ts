import { expect } from 'vitest'

import { WasmctlError } from '../../src/errors.js'

/** The WasmctlError `run` throws; fails the test if it throws something else or nothing. */
export function refusal(run: () => unknown): WasmctlError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(WasmctlError)
    return error as WasmctlError
  }
  throw new Error('expected a refusal')
}

/** The WasmctlError `promise` rejects with; fails the test if it rejects with something else or resolves. */
export async function refusalOf(promise: Promise<unknown>): Promise<WasmctlError> {
  const error = await promise.then(
    () => new Error('expected a refusal'),
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(WasmctlError)
  return error as WasmctlError
}
