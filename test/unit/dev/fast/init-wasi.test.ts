import { describe, expect, it } from 'vitest'

import { createInitWasi, InitExit, normalize } from '../../../../src/dev/fast/init-wasi.js'

// The initializer's WASI, driven as StarlingMonkey drives it, on a plain memory.
function setup() {
  const memory = { buffer: new ArrayBuffer(65536) }
  const wasi = createInitWasi({
    env: { EXPORT_CNT: '1', SOURCE_NAME: 'source.js' },
    stdin: '--initializer-script-path /s/initializer.js app.js',
    preopens: ['/s', '/'],
    files: new Map([
      ['/s/initializer.js', new TextEncoder().encode('bindings')],
      ['/app.js', new TextEncoder().encode('code')],
    ]),
  })
  wasi.bind(memory)
  const view = new DataView(memory.buffer)
  const bytes = new Uint8Array(memory.buffer)
  const put = (at: number, text: string) => {
    const encoded = new TextEncoder().encode(text)
    bytes.set(encoded, at)
    return encoded.length
  }
  const call = (fn: string, ...args: (number | bigint)[]) => (wasi.imports[fn] as (...values: (number | bigint)[]) => number)(...args)
  const read = (fd: number) => {
    view.setUint32(100, 200, true)
    view.setUint32(104, 64, true)
    expect(call('fd_read', fd, 100, 1, 108)).toBe(0)
    return new TextDecoder().decode(bytes.subarray(200, 200 + view.getUint32(108, true)))
  }
  const open = (dir: number, path: string, flags = 0) => {
    const length = put(300, path)
    const errno = call('path_open', dir, 0, 300, length, flags, 0n, 0n, 0, 400)
    return errno === 0 ? { fd: view.getUint32(400, true) } : { errno }
  }
  return { wasi, view, bytes, call, read, open, put }
}

describe('init WASI', () => {
  it('gives the environment and the arguments on stdin', () => {
    const { call, view, bytes, read } = setup()
    expect(call('environ_sizes_get', 0, 4)).toBe(0)
    expect(view.getUint32(0, true)).toBe(2)
    call('environ_get', 8, 100)
    expect(new TextDecoder().decode(bytes.subarray(100, 100 + view.getUint32(4, true)))).toBe('EXPORT_CNT=1\0SOURCE_NAME=source.js\0')
    expect(read(0)).toBe('--initializer-script-path /s/initializer.js app.js')
    expect(read(0)).toBe('')
  })

  it('opens the in-memory files of the preopens read-only and nothing else', () => {
    const { open, read } = setup()
    const bindings = open(3, 'initializer.js')
    expect(read((bindings as { fd: number }).fd)).toBe('bindings')
    expect(read((open(4, 'app.js') as { fd: number }).fd)).toBe('code')
    // `..` cannot leave a preopen, and nothing outside the given files exists.
    expect(open(3, '../app.js')).toEqual({ errno: 44 })
    expect(open(4, '../../etc/passwd')).toEqual({ errno: 44 })
    // O_CREAT / O_TRUNC: read-only file system.
    expect(open(4, 'app.js', 0x1)).toEqual({ errno: 69 })
  })

  it('names the preopens, keeps what is printed and turns proc_exit into InitExit', () => {
    const { wasi, call, view, bytes, put } = setup()
    expect(call('fd_prestat_get', 3, 0)).toBe(0)
    expect(view.getUint32(4, true)).toBe(2)
    call('fd_prestat_dir_name', 3, 10, 2)
    expect(new TextDecoder().decode(bytes.subarray(10, 12))).toBe('/s')
    expect(call('fd_prestat_get', 5, 0)).toBe(8)
    const length = put(500, 'app.js:3:9 Error: boom\n')
    view.setUint32(100, 500, true)
    view.setUint32(104, length, true)
    expect(call('fd_write', 2, 100, 1, 108)).toBe(0)
    expect(wasi.stderr()).toBe('app.js:3:9 Error: boom\n')
    expect(() => call('proc_exit', 1)).toThrow(InitExit)
  })

  it('normalizes guest paths without going above the root', () => {
    expect(normalize('/a/./b/../c')).toBe('/a/c')
    expect(normalize('/../../x')).toBe('/x')
  })
})
