import { execa, type ResultPromise } from 'execa'

/**
 * A real server binary (redis-server, nats-server, …) run by a test on 127.0.0.1, that the test can
 * stop and start again with the same arguments (same ports, same storage) to play an outage.
 */
export interface RestartableServer {
  stop(): Promise<void>
  start(): Promise<void>
}

/** The path of an installed binary (also looked up in the sbin folders a root PATH may lack). */
export async function installedBinary(name: string, install: string): Promise<string> {
  for (const candidate of [name, `/usr/sbin/${name}`, `/usr/bin/${name}`]) {
    const found = await execa('sh', ['-c', `command -v ${candidate}`], { reject: false })
    const file = String(found.stdout).trim()
    if (found.exitCode === 0 && file) return file
  }
  throw new Error(`\`${name}\` is not installed; the tests that use it need: ${install}`)
}

/** Polls `probe` until it says ready; fails early, with the server's output, if the process exits. */
async function waitUntilReady(name: string, child: ResultPromise, probe: () => Promise<boolean>, log: () => string): Promise<void> {
  let exited = false
  child.once('exit', () => (exited = true))
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${name} exited before it was ready:\n${log().slice(-2000)}`)
    if (await probe().catch(() => false)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${name} was not ready within 15 s:\n${log().slice(-2000)}`)
}

/** Starts `binary args` and resolves once `probe` says it serves; `start()` again after `stop()` reuses the arguments. */
export async function startRestartableServer(binary: string, args: string[], probe: () => Promise<boolean>): Promise<RestartableServer> {
  let child: ResultPromise | undefined
  let output = ''
  const start = async () => {
    output = ''
    child = execa(binary, args, { reject: false, stdin: 'ignore', buffer: false })
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    try {
      await waitUntilReady(binary, child, probe, () => output)
    } catch (error) {
      child.kill('SIGKILL')
      await child
      throw error
    }
  }
  const stop = async () => {
    if (!child) return
    const running = child
    child = undefined
    running.kill('SIGTERM')
    await running
  }
  await start()
  return { start, stop }
}
