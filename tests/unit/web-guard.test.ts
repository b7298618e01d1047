import { describe, expect, test } from 'vitest'
import { CLOSE_CODES } from '#app/domain/close-codes.ts'
import { csvField } from '#app/domain/comments.ts'
import { canReadPositions, getDocumentAccess, type DelegationKind, type DelegationRole, type Participation } from '#app/domain/permissions.ts'
import { AccessWatch, type Admission } from '#server/access-watch.ts'
import { contentSecurityPolicy } from '#server/http-guard.ts'
import { provenanceOf } from '#server/origin.ts'
import { quietLogger } from '#tests/setup/test-env.ts'

describe('where a request comes from', () => {
	const host = '127.0.0.1:3000'
	test.each([
		[{ origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'same-origin' }, 'own'],
		[{ origin: 'http://127.0.0.1:3000' }, 'own'],
		[{ 'sec-fetch-site': 'same-origin' }, 'own'],
		// Another port of the same host: same-site, but not ours.
		[{ origin: 'http://127.0.0.1:4000', 'sec-fetch-site': 'same-site' }, 'foreign'],
		[{ origin: 'http://127.0.0.1:4000' }, 'foreign'],
		[{ 'sec-fetch-site': 'same-site' }, 'foreign'],
		[{ 'sec-fetch-site': 'cross-site' }, 'foreign'],
		[{ origin: 'null' }, 'foreign'],
		[{ origin: 'not a url' }, 'foreign'],
		[{ origin: 'http://evil.example' }, 'foreign'],
		// A proxy that rewrote Host cannot make a cross-site request ours.
		[{ origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'cross-site' }, 'foreign'],
		[{ origin: 'https://accord.example', 'sec-fetch-site': 'cross-site' }, 'own'],
		[{}, 'unknown'],
		// A foreign page cannot make itself ours by what it says of the request.
		[{ origin: 'http://127.0.0.1:4000', 'sec-fetch-site': 'same-origin' }, 'foreign'],
		// Allowed origins are compared as browsers compare them.
		[{ origin: 'HTTPS://Accord.example:443' }, 'own'],
	])('%j → %s', (headers, expected) => {
		expect(provenanceOf({ host, ...headers }, ['https://accord.example'])).toBe(expected)
	})

	test('no Host header: nothing is ours but the allowed origins', () => {
		expect(provenanceOf({ origin: 'http://127.0.0.1:3000' }, [])).toBe('foreign')
	})

	test('a default port written out in Host (a proxy) is the same host', () => {
		expect(provenanceOf({ origin: 'https://accord.example', host: 'accord.example:443', 'sec-fetch-site': 'same-origin' }, [])).toBe('own')
		expect(provenanceOf({ origin: 'http://accord.example', host: 'accord.example:80' }, [])).toBe('own')
		expect(provenanceOf({ origin: 'http://accord.example:8080', host: 'accord.example' }, [])).toBe('foreign')
	})
})

test('the Content-Security-Policy allows this origin, its socket and the nonce, nothing inline for scripts', () => {
	const policy = contentSecurityPolicy('abc123', '127.0.0.1:3000')
	expect(policy).toContain("script-src 'self' 'nonce-abc123'")
	expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/)
	expect(policy).toContain("connect-src 'self' ws://127.0.0.1:3000 wss://127.0.0.1:3000")
	expect(policy).toContain("frame-ancestors 'none'")
	// A Host header is not allowed to write into the policy.
	expect(contentSecurityPolicy('n', "evil.example; script-src *")).toContain("connect-src 'self';")
})

describe('the compilation defuses every formula trigger a spreadsheet honours', () => {
	test.each([
		'=HYPERLINK("http://evil.example")',
		'+1+cmd|" /C calc"!A0',
		'-2+3',
		'@SUM(A1:A2)',
		' =1+1',
		'\u200B=1+1',
		'\uFEFF@x',
		'\u00A0+1',
		'\u3000-1',
		'\uFF1D1+1',
		'\uFF0B1',
		'\uFF0D1',
		'\uFF20x',
		'\u2212 1',
		'\t=1',
		'\r=1',
		'\n=1',
	])('%j', (value) => {
		const field = csvField(value)
		const unquoted = field.startsWith('"') ? field.slice(1, -1).replace(/""/g, '"') : field
		expect(unquoted.startsWith("'")).toBe(true)
		expect(unquoted.slice(1)).toBe(value)
	})

	test('ordinary text, Vietnamese included, is left alone', () => {
		expect(csvField('Đề nghị sửa đổi đoạn 3')).toBe('Đề nghị sửa đổi đoạn 3')
		expect(csvField('Viet Nam supports = equal pay')).toBe('Viet Nam supports = equal pay')
		expect(csvField(12)).toBe('12')
	})
})

describe('who reads positions and the compilation', () => {
	const asean = { framework: 'ACCSM' as const }
	const plus3 = { framework: 'ACCSM_PLUS_3' as const }
	const cases: [DelegationKind, DelegationRole, boolean, boolean][] = [
		// kind, role, reads in an ASEAN text, reads in an ACCSM+3 text
		['MEMBER', 'HEAD', true, true],
		['MEMBER', 'DELEGATE', true, true],
		['MEMBER', 'ADVISER', true, true],
		['SECRETARIAT', 'HEAD', true, true],
		['SECRETARIAT', 'ADVISER', true, true],
		['PARTNER', 'HEAD', false, true],
		['PARTNER', 'ADVISER', false, true],
		['OBSERVER', 'HEAD', false, false],
		['OBSERVER', 'DELEGATE', false, false],
	]
	test.each(cases)('%s %s: ASEAN text %s, ACCSM+3 text %s', (delegationKind, role, inAsean, inPlus3) => {
		const participation: Participation = { delegationKind, role }
		expect(canReadPositions(getDocumentAccess(participation, asean))).toBe(inAsean)
		expect(canReadPositions(getDocumentAccess(participation, plus3))).toBe(inPlus3)
	})
	test('someone outside the meeting reads nothing', () => {
		expect(canReadPositions(getDocumentAccess(null, asean))).toBe(false)
	})
})

describe('open sockets are held to the terms they were admitted on', () => {
	const meeting = { id: 'm1', framework: 'ACCSM' as const }
	const member = (role: DelegationRole = 'DELEGATE', delegationKind: DelegationKind = 'MEMBER') => ({ participation: { delegationKind, role } })
	function world() {
		const sessions = new Map([['s1', { userId: 'u1' }], ['s2', { userId: 'u1' }], ['s3', { userId: 'u2' }]])
		const people = new Map([['u1', member()], ['u2', member()]])
		const closed: [string, number, string][] = []
		const reads = { sessions: 0, participants: 0, forgotten: [] as string[] }
		const watch = new AccessWatch<string>(
			{
				liveSessions: async (ids) => {
					reads.sessions++
					return new Map([...sessions].filter(([id]) => ids.includes(id)))
				},
				participants: async () => {
					reads.participants++
					return people
				},
				forget: (id) => reads.forgotten.push(id),
			},
			(socket, { code, reason }) => closed.push([socket, code, reason]),
			quietLogger,
		)
		const admit = (socket: string, sessionId: string, userId: string): Admission => {
			const admission = { sessionId, userId, meeting, access: 'edit' as const }
			watch.add(socket, admission)
			return admission
		}
		return { sessions, people, closed, reads, watch, admit }
	}

	test('a logout closes that session’s sockets at once, cookie or token alike, and no other', () => {
		const w = world()
		w.admit('laptop-cookie', 's1', 'u1')
		w.admit('script-token', 's1', 'u1')
		w.admit('phone', 's2', 'u1')
		w.watch.sessionEnded({ userId: 'u1', sessionId: 's1' })
		expect(w.closed).toEqual([
			['laptop-cookie', CLOSE_CODES.unauthenticated, 'Logged out'],
			['script-token', CLOSE_CODES.unauthenticated, 'Logged out'],
		])
		expect(w.reads.sessions).toBe(0)
		w.watch.sessionEnded({ userId: 'u1' })
		expect(w.closed.map(([s]) => s)).toContain('phone')
	})

	test('a demotion reconnects, a removal closes, one sweep reads once for all', async () => {
		const w = world()
		for (let i = 0; i < 40; i++) w.admit(`a${i}`, 's1', 'u1')
		w.admit('b', 's3', 'u2')
		await w.watch.sweep()
		expect(w.closed).toEqual([])
		expect(w.reads).toMatchObject({ sessions: 1, participants: 1 })
		w.people.set('u1', member('DELEGATE', 'OBSERVER'))
		w.people.delete('u2')
		await w.watch.accessChanged('m1')
		expect(w.reads.forgotten).toEqual(['m1'])
		expect(w.closed.filter(([, code]) => code === CLOSE_CODES.accessChanged)).toHaveLength(40)
		expect(w.closed.find(([s]) => s === 'b')).toEqual(['b', CLOSE_CODES.forbidden, 'No access to this document'])
		expect(w.watch.size).toBe(0)
	})

	test('a session that ended elsewhere (expiry, another instance) is found by the sweep', async () => {
		const w = world()
		w.admit('x', 's3', 'u2')
		w.sessions.delete('s3')
		await w.watch.sweep()
		expect(w.closed).toEqual([['x', CLOSE_CODES.unauthenticated, 'Session ended']])
	})

	test('a database that does not answer leaves the sockets open', async () => {
		const w = world()
		w.admit('x', 's1', 'u1')
		const failing = new AccessWatch<string>(
			{ liveSessions: () => Promise.reject(new Error('down')), participants: async () => w.people, forget: () => {} },
			(s, { code, reason }) => w.closed.push([s, code, reason]),
			quietLogger,
		)
		failing.add('x', { sessionId: 's1', userId: 'u1', meeting, access: 'edit' })
		await failing.sweep()
		expect(w.closed).toEqual([])
	})
})
