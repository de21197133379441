import { readProject, refuseProvider, type Project } from '../project/index.js'
import type { DevBus } from './bus.js'
import { toErrorInfo } from './build-controller.js'

/**
 * Reloads wasmcloud.toml when it, the WIT folder or an ignore file changes, so the session
 * reconfigures in place instead of restarting: a valid file becomes `config.reload` (the watcher
 * takes the new ignore rules and folders, the builder the new settings, and a rebuild follows);
 * an invalid one becomes `config.error` and the last good settings stay in force.
 */
export class ConfigController {
  private project: Project
  private readonly off: () => void

  constructor(private readonly bus: DevBus, project: Project) {
    this.project = project
    this.off = bus.on('watch.change', (event) => {
      if (event.reconfigure) this.reload()
    })
  }

  get current(): Project {
    return this.project
  }

  reload(): void {
    try {
      this.project = refuseProvider(readProject(this.project.file))
    } catch (error) {
      this.bus.emit('config.error', toErrorInfo(error))
      return
    }
    for (const message of this.project.warnings) this.bus.emit('log', { level: 'warn', message, source: 'config' })
    this.bus.emit('config.reload', { file: this.project.file, project: this.project })
  }

  close(): void {
    this.off()
  }
}
