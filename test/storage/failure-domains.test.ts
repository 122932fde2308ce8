/** Failure domains: the IPv4 /24 or IPv6 /48 of an address, whatever way the address is written. */
import { test } from 'node:test'
import * as assert from 'node:assert/strict'
import { domainOfAddr } from '../../src/net/failure-domain.js'

test('IPv4 addresses share a domain exactly when they share a /24', () => {
  assert.equal(domainOfAddr('/ip4/10.83.4.2/tcp/4001'), '10.83.4.0/24')
  assert.equal(domainOfAddr('/ip4/10.83.4.3/tcp/5/p2p/x'), domainOfAddr('/ip4/10.83.4.2/tcp/4001'))
  assert.notEqual(domainOfAddr('/ip4/10.83.5.2/tcp/1'), domainOfAddr('/ip4/10.83.4.2/tcp/1'))
})

test('IPv6 addresses share a domain exactly when they share a /48, written short or long', () => {
  assert.equal(domainOfAddr('/ip6/2001:db8:1::5/tcp/1'), '2001:db8:1::/48')
  assert.equal(domainOfAddr('/ip6/2001:0db8:0001:ffff::1/tcp/1'), domainOfAddr('/ip6/2001:db8:1::5/tcp/1'))
  assert.notEqual(domainOfAddr('/ip6/2001:db8:2::5/tcp/1'), domainOfAddr('/ip6/2001:db8:1::5/tcp/1'))
  assert.equal(domainOfAddr('/ip6/::1/tcp/1'), '0:0:0::/48')
  assert.equal(domainOfAddr('/dns4/shoal.invalid/tcp/1'), undefined)
})
