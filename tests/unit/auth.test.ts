import { describe, expect, test } from 'vitest'
import { sanitizePresence } from '#app/domain/presence.ts'
import { safeRedirect } from '#app/utils/auth.server.ts'
import { LOGIN_MAX_FAILURES, LOGIN_WINDOW_MS, clearLoginFailures, loginBlockedFor, recordLoginFailure } from '#app/utils/rate-limit.server.ts'
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

test('sync tokens: valid, tampered, expired, wrong secret', () => {
	const secret = 's'.repeat(40)
	const now = 1_700_000_000_000
	const { token } = mintSyncToken({ documentId: 'doc', userId: 'user' }, now, secret)
	expect(verifySyncToken(token, now + 1_000, secret)).toMatchObject({ documentId: 'doc', userId: 'user' })
	expect(verifySyncToken(token.slice(0, -2) + 'xx', now, secret)).toBeNull()
	expect(verifySyncToken(token, now + 10 * 60_000, secret)).toBeNull()
	expect(verifySyncToken(token, now, 't'.repeat(40))).toBeNull()
	expect(verifySyncToken('a.b.c', now, secret)).toBeNull()
})

test('login attempts per account are limited, then allowed again', () => {
	const now = 1_000_000
	const email = 'Vnm.Head@example.org'
	for (let i = 0; i < LOGIN_MAX_FAILURES; i++) {
		expect(loginBlockedFor(email, now + i)).toBe(0)
		recordLoginFailure(email, now + i)
	}
	expect(loginBlockedFor('vnm.head@example.org', now + LOGIN_MAX_FAILURES)).toBeGreaterThan(0)
	expect(loginBlockedFor(email, now + LOGIN_WINDOW_MS + 10)).toBe(0)
	recordLoginFailure(email, now)
	clearLoginFailures(email)
	expect(loginBlockedFor(email, now)).toBe(0)
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
