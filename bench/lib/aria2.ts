/**
 * aria2 as a second baseline: the same file fetched over HTTP from the same Node http server by
 * aria2c (C++, one connection, no pre-allocation), beside curl. Installed from Debian's package
 * `aria2` when missing and we may; otherwise the reason is printed and the baseline skipped.
 */
import { ensureDebianPackage } from '../../test/helpers/debian.js'

export const ARIA2C = '/usr/bin/aria2c'

let checked: string | undefined | null = null

/** Undefined once aria2c can run; else why not (asked once per bench run). */
export function aria2Missing (): string | undefined {
  if (checked === null) checked = ensureDebianPackage(ARIA2C, 'aria2')
  return checked
}

/** aria2c arguments to fetch `url` into `dir/name` over one connection, quietly. */
export function aria2Args (url: string, dir: string, name: string): string[] {
  return ['-q', '-x1', '-s1', '--file-allocation=none', '--allow-overwrite=true', '--auto-file-renaming=false',
    '--check-certificate=false', '--summary-interval=0', '-d', dir, '-o', name, url]
}
