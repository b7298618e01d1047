import { createHmac } from 'node:crypto'
import { beforeEach, describe, expect, test } from 'vitest'
import { sanitizePresence } from '#app/domain/presence.ts'
import { safeRedirect } from '#app/utils/auth.server.ts'
import {
	ACCOUNT_FREE_FAILURES,
	ACCOUNT_MAX_WAIT_MS,
	ADDRESS_FREE_FAILURES,
	addressWait,
	describeWait,
	loginWait,
	recordLoginFailure,
	recordLoginSuccess,
	resetLoginThrottle,
} from '#app/utils/rate-limit.server.ts'
import { mintSyncToken, verifySyncToken } from '#app/utils/sync-token.server.ts'

describe('safeRedirect never leaves the site', () => {
	test.each([
		['/documents/accsm21-heads-joint-statement?x=1', '/documents/accsm21-heads-joint-statement?x=1'],
		['//evil.example', '/meetings'],
		['/\\evil.example', '/meetings'],
		['/\t/evil.example/phish', '/meetings'],
		['/\n/x', '/meetings'],
		['https://evil.example', '/meetings'],
		['javascript:alert(1)', '/meetings'],
		['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
		[null, '/meetings'],
	])('%j → %s', (input, expected) => {
		expect(safeRedirect(input)).toBe(expected)
	})
})

test('sync tokens: valid, tampered, expired, wrong secret, without a session', () => {
	const secret = 's'.repeat(40)
	const now = 1_700_000_000_000
	const { token } = mintSyncToken({ documentId: 'doc', userId: 'user', sessionId: 'session' }, now, secret)
	expect(verifySyncToken(token, now + 1_000, secret)).toMatchObject({ documentId: 'doc', userId: 'user', sessionId: 'session' })
	expect(verifySyncToken(token.slice(0, -2) + 'xx', now, secret)).toBeNull()
	expect(verifySyncToken(token, now + 10 * 60_000, secret)).toBeNull()
	expect(verifySyncToken(token, now, 't'.repeat(40))).toBeNull()
	expect(verifySyncToken('a.b.c', now, secret)).toBeNull()
	// A token of the old shape (no session) is worth nothing, even correctly signed.
	const payload = Buffer.from(JSON.stringify({ d: 'doc', u: 'user', e: now + 60_000 })).toString('base64url')
	const signature = createHmac('sha256', secret).update(`accord-sync:${payload}`).digest('base64url')
	expect(verifySyncToken(`${payload}.${signature}`, now, secret)).toBeNull()
})

describe('login throttling cannot be turned against the owner', () => {
	beforeEach(() => resetLoginThrottle())
	const email = 'Vnm.Head@example.org'
	const attacker = { email, address: '203.0.113.9', knownDevice: false }

	test('an account waits a little longer after each failure past the free ones, never for long', () => {
		let now = 1_000_000
		for (let i = 0; i < ACCOUNT_FREE_FAILURES; i++) {
			expect(loginWait(attacker, now)).toBeNull()
			recordLoginFailure(attacker, now++)
		}
		const waits: number[] = []
		for (let i = 0; i < 12; i++) {
			const wait = loginWait(attacker, now)
			expect(wait?.reason).toBe('account')
			waits.push(wait!.waitMs)
			now += wait!.waitMs
			expect(loginWait(attacker, now)).toBeNull()
			recordLoginFailure(attacker, now)
		}
		expect(waits.slice(0, 4)).toEqual([999, 2000, 4000, 8000])
		expect(Math.max(...waits)).toBe(ACCOUNT_MAX_WAIT_MS)
		// Case and spaces do not make another account.
		expect(loginWait({ ...attacker, email: ' vnm.head@example.org ' }, now)?.reason).toBe('account')
		// The owner elsewhere is not held up by the guessing, nor is a browser that logged in before.
		expect(loginWait({ email, address: '198.51.100.4', knownDevice: false }, now)).toBeNull()
		expect(loginWait({ email, address: attacker.address, knownDevice: true }, now)).toBeNull()
		recordLoginSuccess({ email, address: attacker.address })
		expect(loginWait(attacker, now)).toBeNull()
	})

	test('an address that keeps failing waits; successes and known browsers cost nothing; the wait runs out', () => {
		let now = 5_000_000
		const address = '203.0.113.9'
		for (let i = 0; i < 200; i++) recordLoginSuccess({ email: `d${i}@example.org`, address })
		for (let i = 0; i < 50; i++) recordLoginFailure({ email: 'owner@example.org', address, knownDevice: true }, now)
		for (let i = 0; i < ADDRESS_FREE_FAILURES; i++) {
			expect(loginWait({ email: `nobody${i}@example.org`, address, knownDevice: false }, now)).toBeNull()
			recordLoginFailure({ email: `nobody${i}@example.org`, address }, now)
		}
		const wait = loginWait({ email: 'someone@example.org', address, knownDevice: false }, now)
		expect(wait?.reason).toBe('address')
		expect(addressWait(address, now)).toBe(wait!.waitMs)
		expect(loginWait({ email: 'someone@example.org', address: '198.51.100.4', knownDevice: false }, now)).toBeNull()
		expect(loginWait({ email: 'owner@example.org', address, knownDevice: true }, now)).toBeNull()
		now += wait!.waitMs
		expect(loginWait({ email: 'someone@example.org', address, knownDevice: false }, now)).toBeNull()
	})

	test('the wait reads as a person says it', () => {
		expect(describeWait(999)).toBe('1 second')
		expect(describeWait(8_000)).toBe('8 seconds')
		expect(describeWait(61_000)).toBe('2 minutes')
	})
})

test('presence keeps a well-formed caret and drops everything else', () => {
	// As y-prosemirror publishes it: the RelativePosition object, with nulls.
	const published = { anchor: { type: null, tname: null, item: { client: 1, clock: 3 }, assoc: 0 }, head: { type: null, tname: null, item: { client: 1, clock: 3 }, assoc: 0 } }
	expect(sanitizePresence({ cursor: published })).toEqual({ cursor: published })
	expect(sanitizePresence({ cursor: { anchor: { item: { client: 1, clock: 3 }, assoc: 0 }, head: { item: { client: 1, clock: 3 } } }, other: 1 })).toEqual({
		cursor: { anchor: { item: { client: 1, clock: 3 }, assoc: 0 }, head: { item: { client: 1, clock: 3 } } },
	})
	expect(sanitizePresence({ cursor: { anchor: { item: { client: -1, clock: 0 } }, head: {} } })).toEqual({ cursor: null })
	expect(sanitizePresence({ cursor: { anchor: {}, head: {}, extra: 1 } })).toEqual({ cursor: null })
	expect(sanitizePresence({ cursor: {} })).toEqual({ cursor: null })
	expect(sanitizePresence({ cursor: 'x' })).toEqual({ cursor: null })
	expect(sanitizePresence({})).toEqual({ cursor: null })
})
