/** Resolves on the first SIGINT or SIGTERM (a second one exits at once). */
export async function untilSignal (): Promise<NodeJS.Signals> {
  return await new Promise(resolve => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on)
      process.off('SIGTERM', on)
      process.once('SIGINT', () => process.exit(130))
      process.once('SIGTERM', () => process.exit(143))
      resolve(signal)
    }
    process.on('SIGINT', on)
    process.on('SIGTERM', on)
  })
}

/** An AbortSignal that fires on SIGINT or SIGTERM. */
export function signalOnInterrupt (): { signal: AbortSignal, dispose: () => void } {
  const controller = new AbortController()
  const on = (): void => controller.abort()
  process.once('SIGINT', on)
  process.once('SIGTERM', on)
  return {
    signal: controller.signal,
    dispose: () => { process.off('SIGINT', on); process.off('SIGTERM', on) }
  }
}
