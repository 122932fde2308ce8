/**
 * A small JSON file rewritten whole and atomically (temporary file, fsync, rename): the holder's
 * leases and the owner's replications. A damaged file is moved aside and the book starts empty.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'

export class JsonBook<T> {
  private writing: Promise<void> = Promise.resolve()

  constructor (readonly path: string, private readonly validate: (value: unknown) => T[]) {}

  async load (warn: (message: string) => void): Promise<T[]> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch {
      return []
    }
    try {
      return this.validate(JSON.parse(text))
    } catch {
      warn(`${this.path} was damaged; it was moved aside and a new one started`)
      await rename(this.path, `${this.path}.damaged-${Date.now()}`).catch(() => {})
      return []
    }
  }

  /** Writes `items` after any write still under way (writes never interleave). */
  async save (items: T[]): Promise<void> {
    const text = JSON.stringify(items)
    this.writing = this.writing.catch(() => {}).then(async () => {
      await mkdir(dirname(this.path), { recursive: true })
      const temporary = `${this.path}.tmp`
      const handle = await open(temporary, 'w')
      try {
        await handle.writeFile(text)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(temporary, this.path)
    })
    await this.writing
  }
}
