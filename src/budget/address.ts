/**
 * The key peers are grouped by for the per-address budget: an IPv4 address as it is, an IPv6
 * address by its /64 (one host gets a whole /64, so finer keys would give it thousands).
 */
export function addressKey (ip: string | undefined): string {
  if (ip === undefined || ip === '') return 'unknown'
  const bare = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip
  if (!bare.includes(':')) return bare
  const [head = '', tail = ''] = bare.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === '' ? [] : tail.split(':')
  const groups = bare.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left
  return groups.slice(0, 4).map(g => parseInt(g, 16).toString(16)).join(':') + '::/64'
}
