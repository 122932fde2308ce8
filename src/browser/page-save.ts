/// <reference lib="dom" />
/**
 * The page's Save: where the browser has file pickers (Chromium in a secure context), the bytes
 * are streamed into a file (or, for a folder, a directory) the user picks, for a single file even
 * before the download ends; elsewhere each file is handed over as a download once complete,
 * built as a Blob in parts so the page never holds the file in its own memory.
 */
import { SAVE_BLOB_PART_BYTES } from './constants.js'
import type { PageContent, SaveSource } from './page-content.js'

interface Pickers {
  showSaveFilePicker?: (options?: { suggestedName?: string }) => Promise<FileSystemFileHandle>
  showDirectoryPicker?: (options?: { mode?: 'readwrite' }) => Promise<FileSystemDirectoryHandle>
}

const pickers = (): Pickers => globalThis as unknown as Pickers

/** A Blob of the source's bytes, without holding more than one part of them at a time. */
async function blobOf (source: SaveSource): Promise<Blob> {
  if (source.blob !== undefined) return await source.blob()
  const parts: Blob[] = []
  let pending: Uint8Array[] = []
  let pendingBytes = 0
  for await (const chunk of source.chunks()) {
    pending.push(chunk)
    pendingBytes += chunk.byteLength
    if (pendingBytes >= SAVE_BLOB_PART_BYTES) {
      parts.push(new Blob(pending as BlobPart[]))
      pending = []
      pendingBytes = 0
    }
  }
  parts.push(new Blob(pending as BlobPart[]))
  return new Blob(parts)
}

function handOver (blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** Streams the source into a picked file; on any failure the file is left as it was. */
async function writeInto (handle: FileSystemFileHandle, source: SaveSource): Promise<void> {
  const out = await handle.createWritable()
  try {
    for await (const chunk of source.chunks()) await out.write(chunk as BufferSource)
    await out.close()
  } catch (err) {
    await out.abort().catch(() => {})
    throw err
  }
}

/** Writes every file of a folder content under `<picked>/<name>/…`. */
async function writeFolder (picked: FileSystemDirectoryHandle, content: PageContent): Promise<void> {
  for (const file of content.files) {
    const parts = file.path.split('/')
    let dir = picked
    for (const part of parts.slice(0, -1)) dir = await dir.getDirectoryHandle(part, { create: true })
    await writeInto(await dir.getFileHandle(parts.at(-1) as string, { create: true }), file)
  }
}

const nameOf = (path: string): string => path.split('/').at(-1) as string

export interface SaveUi {
  button: HTMLButtonElement
  /** Where a folder's files are listed, each with its own download button. */
  list: HTMLElement
  say: (text: string) => void
}

/**
 * Save, in three steps: `early` (a single plain file, during the download: pick where it goes),
 * `ready` once the content can be read, and the clicks between.
 */
export class PageSave {
  private picked?: FileSystemFileHandle
  private content?: PageContent

  constructor (private readonly ui: SaveUi) {}

  /** During the download of a single file: where a save picker exists, it may be picked now. */
  early (name: string): void {
    const pick = pickers().showSaveFilePicker
    if (pick === undefined) return
    this.ui.button.disabled = false
    this.ui.button.onclick = async () => {
      if (this.content !== undefined) return
      this.picked = await pick({ suggestedName: name }).catch(() => undefined)
      if (this.picked !== undefined) this.ui.say(`It will be saved to ${this.picked.name} once every piece is verified.`)
    }
  }

  /** The content is complete: saves into what was picked early, and arms the button. */
  async ready (content: PageContent): Promise<void> {
    this.content = content
    const { button } = this.ui
    button.disabled = false
    if (content.kind === 'file') {
      const file = content.files[0] as SaveSource
      button.onclick = async () => { await this.saveFile(file) }
      if (this.picked !== undefined) await this.run(async () => await writeInto(this.picked as FileSystemFileHandle, file), 1, `Saved to ${this.picked.name}.`)
      return
    }
    const pickDir = pickers().showDirectoryPicker
    if (pickDir !== undefined) {
      button.onclick = async () => {
        const dir = await pickDir({ mode: 'readwrite' }).catch(() => undefined)
        if (dir !== undefined) await this.run(async () => await writeFolder(dir, content), content.files.length, `Saved ${content.files.length} files to ${dir.name}/${content.name}.`)
      }
    } else {
      button.hidden = true
    }
    this.ui.list.replaceChildren(...content.files.map(file => {
      const row = document.createElement('li')
      const save = document.createElement('button')
      save.textContent = 'Save'
      save.onclick = async () => { await this.run(async () => handOver(await blobOf(file), file.path.split('/').slice(1).join('_')), 1, `Handed over ${file.path}.`) }
      row.append(save, ` ${file.path}`)
      return row
    }))
  }

  /** After Delete: nothing is left to save. */
  disable (): void {
    this.ui.button.disabled = true
    this.ui.list.replaceChildren()
  }

  private async saveFile (file: SaveSource): Promise<void> {
    const pick = pickers().showSaveFilePicker
    if (pick === undefined) {
      await this.run(async () => handOver(await blobOf(file), nameOf(file.path)), 1, `Handed over ${nameOf(file.path)}.`)
      return
    }
    const handle = await pick({ suggestedName: nameOf(file.path) }).catch(() => undefined)
    if (handle !== undefined) await this.run(async () => await writeInto(handle, file), 1, `Saved to ${handle.name}.`)
  }

  /** Runs one save; the page's data-saved counts the files saved, data-save-error says why one failed. */
  private async run (save: () => Promise<void>, files: number, done: string): Promise<void> {
    try {
      await save()
      document.body.dataset.saved = String(Number(document.body.dataset.saved ?? 0) + files)
      this.ui.say(done)
    } catch (err: any) {
      document.body.dataset.saveError = String(err?.message ?? err)
      this.ui.say(`Saving failed: ${String(err?.message ?? err)}`)
    }
  }
}
