/**
 * Where the CLI's output goes. With `--json` every event is one JSON object per line on stdout
 * (the contract scripts rely on); otherwise results go to stdout as text and progress to stderr.
 */
export class Reporter {
  readonly json: boolean
  readonly tty: boolean

  constructor (json: boolean) {
    this.json = json
    this.tty = process.stderr.isTTY === true && !json
  }

  event (event: Record<string, unknown> & { event: string }): void {
    if (this.json) process.stdout.write(JSON.stringify(event) + '\n')
  }

  /** Text for humans on stdout (nothing in JSON mode). */
  say (text: string): void {
    if (!this.json) process.stdout.write(text + '\n')
  }

  /** Notes for humans on stderr (nothing in JSON mode, which reports events instead). */
  note (text: string): void {
    if (!this.json) process.stderr.write(text + '\n')
  }

  error (code: string, message: string): void {
    if (this.json) process.stdout.write(JSON.stringify({ event: 'error', code, message }) + '\n')
    else process.stderr.write(`shoal: ${message}\n`)
  }
}
