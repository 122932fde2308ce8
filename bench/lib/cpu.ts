import { GIB } from './files.js'

/** `/usr/bin/time` format whose line `timedResult` reads back: user s, system s, peak RSS KiB. */
export const TIME_FORMAT = ['-f', 'TIME %U %S %M']

/** CPU seconds (user+sys) and peak RSS of a command run under `/usr/bin/time -f 'TIME %U %S %M'`. */
export function timedResult (stderr: string): { cpuSeconds: number, maxRssMiB: number } {
  const line = stderr.split('\n').find(l => l.startsWith('TIME ')) ?? 'TIME NaN NaN NaN'
  const [, user, sys, rss] = line.split(' ')
  return { cpuSeconds: Number(user) + Number(sys), maxRssMiB: Number(rss) / 1024 }
}

/** CPU seconds one role of a run spent, and the bytes it moved. */
export interface RoleCpu { cpuSeconds: number, received: number, sent: number }

/** CPU seconds per GiB received and per GiB sent (NaN when the role moved none that way). */
export function perGiB (role: RoleCpu): { perGiBReceived: number, perGiBSent: number } {
  return {
    perGiBReceived: role.received > 0 ? role.cpuSeconds / (role.received / GIB) : Number.NaN,
    perGiBSent: role.sent > 0 ? role.cpuSeconds / (role.sent / GIB) : Number.NaN
  }
}

/** "name 1.23 s/GiB in, 4.56 s/GiB out" for a role; a direction the role does not move is left out. */
export function describeCpu (name: string, role: RoleCpu): string {
  const { perGiBReceived, perGiBSent } = perGiB(role)
  const parts = [
    Number.isFinite(perGiBReceived) ? `${perGiBReceived.toFixed(2)} per GiB received` : undefined,
    Number.isFinite(perGiBSent) ? `${perGiBSent.toFixed(2)} per GiB sent` : undefined,
    role.received > 0 && role.sent > 0 ? `${(role.cpuSeconds / ((role.received + role.sent) / GIB)).toFixed(2)} per GiB moved` : undefined
  ].filter(p => p !== undefined)
  return `${name} ${parts.join(', ')}`
}
