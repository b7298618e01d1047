import { expect, test } from 'vitest'
import {
	canBracket,
	canProposeAlternative,
	canResolveBracket,
	canSetParagraphStatus,
	canSupport,
	countBrackets,
	getNegotiationRole,
	isCleanText,
	isFrozen,
	letterLabel,
	PARAGRAPH_STATUSES,
	type NegotiationRole,
	type ParagraphStatus,
} from '#app/domain/negotiation.ts'

const meeting = { chairStateCode: 'VN' }

test('the Chair is the head of the chairing member state; the Secretariat moderates too', () => {
	expect(getNegotiationRole({ delegationKind: 'MEMBER', role: 'HEAD', stateCode: 'VN' }, 'edit', meeting)).toBe('chair')
	expect(getNegotiationRole({ delegationKind: 'MEMBER', role: 'DELEGATE', stateCode: 'VN' }, 'edit', meeting)).toBe('delegate')
	expect(getNegotiationRole({ delegationKind: 'MEMBER', role: 'HEAD', stateCode: 'TH' }, 'edit', meeting)).toBe('delegate')
	expect(getNegotiationRole({ delegationKind: 'SECRETARIAT', role: 'DELEGATE', stateCode: null }, 'edit', meeting)).toBe('secretariat')
	expect(getNegotiationRole({ delegationKind: 'OBSERVER', role: 'HEAD', stateCode: null }, 'read', meeting)).toBe('reader')
	expect(getNegotiationRole({ delegationKind: 'PARTNER', role: 'HEAD', stateCode: 'JP' }, 'read', meeting)).toBe('reader')
	expect(getNegotiationRole(null, 'none', meeting)).toBe('none')
	// An adviser only suggests, in a member state's delegation and in the Secretariat alike.
	expect(getNegotiationRole({ delegationKind: 'MEMBER', role: 'ADVISER', stateCode: 'TH' }, 'suggest', meeting)).toBe('adviser')
	expect(getNegotiationRole({ delegationKind: 'SECRETARIAT', role: 'ADVISER', stateCode: null }, 'suggest', meeting)).toBe('adviser')
	expect(canBracket('adviser', 'open', 'words')).toMatchObject({ code: 'NotDelegate' })
	expect(canSetParagraphStatus('adviser', 'open', 'agreed')).toMatchObject({ code: 'NotModerator' })
})

test('a paragraph with brackets or suggestions left is not agreed; reopening is always possible', () => {
	expect(canSetParagraphStatus('chair', 'open', 'agreed', { brackets: 2, suggestions: 0 })).toMatchObject({ ok: false, code: 'NotClean', message: 'Resolve the 2 brackets in this paragraph before it is agreed.' })
	expect(canSetParagraphStatus('chair', 'open', 'ad_ref', { brackets: 0, suggestions: 1 })).toMatchObject({ code: 'NotClean' })
	expect(canSetParagraphStatus('chair', 'agreed', 'open', { brackets: 1, suggestions: 1 }).ok).toBe(true)
})

test('status transitions: forward to agreement, reopening from either; only moderators', () => {
	const allowed: [ParagraphStatus, ParagraphStatus][] = [
		['open', 'ad_ref'], ['open', 'agreed'], ['ad_ref', 'agreed'], ['ad_ref', 'open'], ['agreed', 'open'],
	]
	for (const from of PARAGRAPH_STATUSES) {
		for (const to of PARAGRAPH_STATUSES) {
			const expected = allowed.some(([f, t]) => f === from && t === to)
			expect(canSetParagraphStatus('chair', from, to).ok, `${from} → ${to}`).toBe(expected)
			expect(canSetParagraphStatus('secretariat', from, to).ok).toBe(expected)
			for (const role of ['delegate', 'reader', 'none'] as NegotiationRole[]) {
				expect(canSetParagraphStatus(role, from, to)).toMatchObject({ ok: false, code: 'NotModerator' })
			}
		}
	}
	expect(canSetParagraphStatus('chair', 'agreed', 'ad_ref')).toMatchObject({ ok: false, code: 'NotAllowed' })
	expect(canSetParagraphStatus('chair', 'open', 'open')).toMatchObject({ ok: false, code: 'Unchanged' })
	expect(isFrozen('open')).toBe(false)
	expect(isFrozen('ad_ref')).toBe(true)
	expect(isFrozen('agreed')).toBe(true)
})

test('brackets: delegates bracket open text; readers and frozen paragraphs cannot', () => {
	expect(canBracket('delegate', 'open', 'hợp tác').ok).toBe(true)
	expect(canBracket('chair', 'open', 'hợp tác').ok).toBe(true)
	expect(canBracket('reader', 'open', 'hợp tác')).toMatchObject({ code: 'NotDelegate' })
	expect(canBracket('delegate', 'agreed', 'hợp tác')).toMatchObject({ code: 'Frozen' })
	expect(canBracket('delegate', 'ad_ref', 'hợp tác')).toMatchObject({ code: 'Frozen' })
	expect(canBracket('delegate', 'open', '   ')).toMatchObject({ code: 'Empty' })
	expect(canBracket('delegate', 'open', 'x'.repeat(2001))).toMatchObject({ code: 'TooLong' })
})

test('alternatives, support and resolution follow the bracket and the paragraph', () => {
	const open = { status: 'open', paragraphStatus: 'open' } as const
	expect(canProposeAlternative('delegate', open, 'an sinh xã hội').ok).toBe(true)
	expect(canProposeAlternative('delegate', { ...open, status: 'resolved' }, 'x')).toMatchObject({ code: 'Closed' })
	expect(canProposeAlternative('reader', open, 'x')).toMatchObject({ code: 'NotDelegate' })
	const alt = { proposerDelegationId: 'd-tha', supporterDelegationIds: ['d-brn'] }
	expect(canSupport('delegate', open, alt, 'd-idn').ok).toBe(true)
	expect(canSupport('delegate', open, alt, 'd-tha')).toMatchObject({ code: 'OwnProposal' })
	expect(canSupport('delegate', open, alt, 'd-brn')).toMatchObject({ code: 'AlreadySupported' })
	expect(canSupport('reader', open, alt, 'd-aus')).toMatchObject({ code: 'NotDelegate' })
	expect(canSupport('delegate', { ...open, paragraphStatus: 'agreed' }, alt, 'd-idn')).toMatchObject({ code: 'Frozen' })
	expect(canResolveBracket('chair', open).ok).toBe(true)
	expect(canResolveBracket('secretariat', open).ok).toBe(true)
	expect(canResolveBracket('delegate', open)).toMatchObject({ code: 'NotModerator' })
	expect(canResolveBracket('chair', { ...open, status: 'resolved' })).toMatchObject({ code: 'Closed' })
})

test('bracket counts per paragraph and in total; clean when none remain', () => {
	const paragraphs = [
		{ id: 'p1', brackets: [{}, {}] },
		{ id: 'p2', brackets: [] },
		{ id: 'p3', brackets: [{}] },
	]
	const counts = countBrackets(paragraphs)
	expect(counts.total).toBe(3)
	expect([...counts.byParagraph]).toEqual([['p1', 2], ['p3', 1]])
	expect(isCleanText(paragraphs)).toBe(false)
	expect(isCleanText([{ brackets: [] }])).toBe(true)
})

test('preambular letters run a…z, then aa, ab…', () => {
	expect([1, 2, 26, 27, 28, 52, 53].map(letterLabel)).toEqual(['a', 'b', 'z', 'aa', 'ab', 'az', 'ba'])
})
