import { expect, test } from 'vitest'
import { awaitsAnswer, canComment, canRecordPosition, canResolveThread, consensusOf, csvField, parseMentions } from '#app/domain/comments.ts'

const members = ['BRN', 'KHM', 'IDN', 'LAO', 'MYS', 'MMR', 'PHL', 'SGP', 'THA', 'VNM']

test('consensus counts member states only: a partner objecting does not block, a member state does', () => {
	const all = members.map((delegationId) => ({ delegationId, kind: 'SUPPORT' as const }))
	expect(consensusOf(members, [...all, { delegationId: 'JPN', kind: 'OBJECT' }]).state).toBe('consensus')
	expect(consensusOf(members, [...all.slice(1), { delegationId: 'BRN', kind: 'OBJECT' }]).state).toBe('blocked')
	// A reservation and "can live with" still make consensus; silence and ad ref. leave it pending.
	expect(consensusOf(members, [...all.slice(2), { delegationId: 'BRN', kind: 'RESERVATION' }, { delegationId: 'KHM', kind: 'CAN_LIVE_WITH' }]).state).toBe('consensus')
	expect(consensusOf(members, all.slice(1))).toMatchObject({ state: 'pending', counts: { SILENT: 1, SUPPORT: 9 } })
	expect(consensusOf(members, [...all.slice(1), { delegationId: 'BRN', kind: 'AD_REF' }]).state).toBe('pending')
	expect(consensusOf(members, []).counts.SILENT).toBe(10)
})

test('positions: a member state’s head or delegate, for their own delegation, on operative paragraphs', () => {
	const head = { delegationId: 'THA', delegationKind: 'MEMBER' as const, role: 'HEAD' as const }
	const input = { delegationId: 'THA', paragraphKind: 'operative' as const, kind: 'SUPPORT' as const, note: '' }
	expect(canRecordPosition(head, input).ok).toBe(true)
	expect(canRecordPosition({ ...head, role: 'DELEGATE' }, input).ok).toBe(true)
	expect(canRecordPosition({ ...head, role: 'ADVISER' }, input)).toMatchObject({ code: 'NotMemberState' })
	expect(canRecordPosition({ ...head, delegationKind: 'PARTNER' }, input)).toMatchObject({ code: 'NotMemberState' })
	expect(canRecordPosition({ ...head, delegationKind: 'SECRETARIAT' }, input)).toMatchObject({ code: 'NotMemberState' })
	expect(canRecordPosition(head, { ...input, delegationId: 'VNM' })).toMatchObject({ code: 'OtherDelegation' })
	expect(canRecordPosition(head, { ...input, paragraphKind: 'preambular' })).toMatchObject({ code: 'NotOperative' })
	expect(canRecordPosition(head, { ...input, kind: 'OBJECT' })).toMatchObject({ code: 'NoteRequired' })
	expect(canRecordPosition(head, { ...input, kind: 'RESERVATION', note: 'Theo luật quốc gia.' }).ok).toBe(true)
})

test('who comments and who resolves', () => {
	expect(canComment('read')).toBe(true)
	expect(canComment('none')).toBe(false)
	expect(canResolveThread({ delegationId: 'THA', moderator: false }, { delegationId: 'THA' })).toBe(true)
	expect(canResolveThread({ delegationId: 'BRN', moderator: false }, { delegationId: 'THA' })).toBe(false)
	expect(canResolveThread({ delegationId: 'ASEC', moderator: true }, { delegationId: 'THA' })).toBe(true)
})

test('mentions: known delegation codes only, any case; a thread awaits an answer until the delegation writes', () => {
	expect(parseMentions('Xin ý kiến @tha và @VNM, cc @nobody, email a@THA', ['THA', 'VNM', 'ASEC'])).toEqual(['THA', 'VNM'])
	const t = (m: number) => new Date(Date.UTC(2022, 7, 3, 9, m))
	expect(awaitsAnswer('THA', [{ delegationId: 'VNM', createdAt: t(0), mentions: ['THA'] }])).toBe(true)
	expect(awaitsAnswer('THA', [{ delegationId: 'VNM', createdAt: t(0), mentions: ['THA'] }, { delegationId: 'THA', createdAt: t(1), mentions: [] }])).toBe(false)
	expect(awaitsAnswer('THA', [{ delegationId: 'VNM', createdAt: t(0), mentions: [] }])).toBe(false)
})

test('CSV fields are quoted and spreadsheet formulas defused', () => {
	expect(csvField('Việt Nam, "đề xuất"')).toBe('"Việt Nam, ""đề xuất"""')
	expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
	expect(csvField(null)).toBe('')
})
