import path from 'node:path'

/**
 * Whether `target` lies strictly inside `dir`. A relative path that starts with `..` is not enough
 * to say it leaves: `..cache` is a file inside; only a first segment that is exactly `..` leaves.
 */
export function isInside(target: string, dir: string): boolean {
  const relative = path.relative(dir, target)
  return relative !== '' && !leavesDir(relative)
}

/** Whether a relative path climbs out of its base (`..`, `../x`), or is absolute (another drive). */
export function leavesDir(relative: string): boolean {
  return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)
}
