import { expect, test } from 'vitest'
import * as Y from 'yjs'
import { approvalOutcome, compareTexts, diffWords, hashCanonical, parseCanonical, renderCanonical, silenceOutcome, zonedTimeToInstant } from '#app/domain/revisions.ts'
import { readBlocks, writeBlocks } from '#app/domain/statement.ts'

function docOf(blocks: Parameters<typeof writeBlocks>[1]) {
	const doc = new Y.Doc()
	writeBlocks(doc, blocks)
	return doc
}

const base = [
	{ type: 'paragraph' as const, id: 'a', kind: 'preambular' as const, text: 'Nhắc lại Tuyên bố về tăng cường năng lực ứng phó của nền công vụ;' },
	{ type: 'paragraph' as const, id: 'b', kind: 'operative' as const, text: 'Nhất trí thúc đẩy chuyển đổi số nền công vụ.' },
	{ type: 'paragraph' as const, id: 'c', kind: 'operative' as const, status: 'agreed' as const, text: 'Encourage cooperation with ASEAN+3 partners.' },
]

test('same text, same hash; any visible change (word, status, order, kind, bracket) another', async () => {
	const canonical = renderCanonical(readBlocks(docOf(base)))
	const hash = await hashCanonical(canonical)
	expect(hash).toMatch(/^[0-9a-f]{64}$/)
	expect(await hashCanonical(renderCanonical(readBlocks(docOf(base))))).toBe(hash)
	const variants = [
		base.map((b) => (b.id === 'b' ? { ...b, text: 'Nhất trí thúc đẩy chuyển đổi số của nền công vụ.' } : b)),
		base.map((b) => (b.id === 'c' ? { ...b, status: 'open' as const } : b)),
		[base[0]!, base[2]!, base[1]!],
		base.map((b) => (b.id === 'a' ? { ...b, kind: 'operative' as const } : b)),
	]
	for (const v of variants) expect(await hashCanonical(renderCanonical(readBlocks(docOf(v))))).not.toBe(hash)
	const bracketed = docOf(base)
	;((bracketed.getXmlFragment('body').get(1) as Y.XmlElement).get(0) as Y.XmlText).format(0, 8, { bracket: { id: 'x', owner: 'THA' } })
	const withBracket = renderCanonical(readBlocks(bracketed))
	expect(withBracket).toContain('P\tb\t1.\toperative\topen\t[Nhất trí]{THA} thúc đẩy')
	expect(await hashCanonical(withBracket)).not.toBe(hash)
	// Lettering is part of what delegations read.
	expect(await hashCanonical(renderCanonical(readBlocks(docOf(base)), 'letters'))).not.toBe(hash)
})

test('a word diff on Vietnamese text keeps words whole', () => {
	expect(diffWords('Nhất trí thúc đẩy chuyển đổi số nền công vụ.', 'Nhất trí đẩy mạnh chuyển đổi số nền công vụ.')).toEqual([
		{ op: 'same', text: 'Nhất trí ' },
		{ op: 'delete', text: 'thúc ' },
		{ op: 'same', text: 'đẩy' },
		{ op: 'insert', text: ' mạnh' },
		{ op: 'same', text: ' chuyển đổi số nền công vụ.' },
	])
})

test('compare: changed, added, removed and moved paragraphs, aligned by id', () => {
	const before = parseCanonical(renderCanonical(readBlocks(docOf(base))))
	const later = parseCanonical(renderCanonical(readBlocks(docOf([base[2]!, base[0]!, { ...base[1]!, text: 'Nhất trí đẩy mạnh chuyển đổi số nền công vụ.' }, { type: 'paragraph', id: 'd', kind: 'operative', text: 'Request the Secretariat to report.' }]))))
	const changes = compareTexts(before, later)
	expect(changes.map((c) => [c.id, c.change, 'moved' in c ? c.moved : null])).toEqual([
		['c', 'changed', true],
		['a', 'same', false],
		['b', 'changed', false],
		['d', 'added', null],
	])
	const removed = compareTexts(before, before.filter((p) => p.id !== 'b'))
	expect(removed.map((c) => [c.id, c.change])).toEqual([['a', 'same'], ['b', 'removed'], ['c', 'same']])
})

test('approval: member states only; a reservation approves; one objection blocks', () => {
	const members = ['BRN', 'KHM', 'IDN', 'LAO', 'MYS', 'MMR', 'PHL', 'SGP', 'THA', 'VNM']
	const all = members.map((delegationId) => ({ delegationId, kind: 'APPROVE' as const }))
	expect(approvalOutcome(members, all).state).toBe('adopted')
	expect(approvalOutcome(members, [...all.slice(1), { delegationId: 'BRN', kind: 'RESERVATION' }]).state).toBe('adopted')
	expect(approvalOutcome(members, [...all.slice(1), { delegationId: 'BRN', kind: 'OBJECT' }]).state).toBe('blocked')
	expect(approvalOutcome(members, [...all.slice(1), { delegationId: 'JPN', kind: 'OBJECT' }])).toMatchObject({ state: 'waiting', waiting: 1 })
})

test('silence deadlines in named zones, and who breaks silence when', () => {
	// Viet Nam, Brunei and Indonesia keep no daylight saving: UTC+7, UTC+8, UTC+7.
	expect(zonedTimeToInstant('2022-08-05T17:00', 'Asia/Ho_Chi_Minh')!.toISOString()).toBe('2022-08-05T10:00:00.000Z')
	expect(zonedTimeToInstant('2022-08-05T17:00', 'Asia/Brunei')!.toISOString()).toBe('2022-08-05T09:00:00.000Z')
	expect(zonedTimeToInstant('2022-08-05T17:00', 'Asia/Jakarta')!.toISOString()).toBe('2022-08-05T10:00:00.000Z')
	// A zone with daylight saving, around its change.
	expect(zonedTimeToInstant('2022-07-01T12:00', 'Australia/Sydney')!.toISOString()).toBe('2022-07-01T02:00:00.000Z')
	expect(zonedTimeToInstant('2022-12-01T12:00', 'Australia/Sydney')!.toISOString()).toBe('2022-12-01T01:00:00.000Z')
	expect(zonedTimeToInstant('2022-08-05 17:00', 'Asia/Ho_Chi_Minh')).toBeNull()
	expect(zonedTimeToInstant('2022-08-05T17:00', 'Mars/Olympus')).toBeNull()
	const deadline = new Date('2022-08-05T10:00:00Z')
	const before = new Date('2022-08-05T09:59:00Z')
	expect(silenceOutcome({ deadline, breaks: [] }, before).state).toBe('running')
	expect(silenceOutcome({ deadline, breaks: [] }, new Date('2022-08-07T00:00:00Z'))).toEqual({ state: 'adopted', at: deadline })
	expect(silenceOutcome({ deadline, breaks: [{ at: before, delegationKind: 'MEMBER' }] }, deadline).state).toBe('broken')
	expect(silenceOutcome({ deadline, breaks: [{ at: before, delegationKind: 'PARTNER' }] }, deadline).state).toBe('adopted')
	expect(silenceOutcome({ deadline, breaks: [{ at: new Date('2022-08-05T10:00:01Z'), delegationKind: 'MEMBER' }] }, deadline).state).toBe('adopted')
})

test('words added at the end of a paragraph are an insertion, not a rewrite of its last word', () => {
	expect(diffWords('and the protection of data privacy;', 'and the protection of data privacy; Thêm: bảo vệ dữ liệu cá nhân.')).toEqual([
		{ op: 'same', text: 'and the protection of data privacy;' },
		{ op: 'insert', text: ' Thêm: bảo vệ dữ liệu cá nhân.' },
	])
})

test('a head answers for the member state, and so does a delegate the head authorised', async () => {
	const { canAnswerApproval, canAuthoriseAnswer } = await import('#app/domain/revisions.ts')
	expect(canAnswerApproval({ delegationKind: 'MEMBER', role: 'HEAD' })).toBe(true)
	expect(canAnswerApproval({ delegationKind: 'MEMBER', role: 'DELEGATE' })).toBe(false)
	expect(canAnswerApproval({ delegationKind: 'MEMBER', role: 'DELEGATE', mayAnswer: true })).toBe(true)
	expect(canAnswerApproval({ delegationKind: 'MEMBER', role: 'ADVISER', mayAnswer: true })).toBe(false)
	expect(canAnswerApproval({ delegationKind: 'PARTNER', role: 'HEAD' })).toBe(false)
	expect(canAnswerApproval({ delegationKind: 'SECRETARIAT', role: 'HEAD' })).toBe(false)
	const head = { delegationId: 'THA', delegationKind: 'MEMBER', role: 'HEAD' }
	expect(canAuthoriseAnswer(head, { delegationId: 'THA', role: 'DELEGATE' })).toBe(true)
	expect(canAuthoriseAnswer(head, { delegationId: 'VNM', role: 'DELEGATE' })).toBe(false)
	expect(canAuthoriseAnswer(head, { delegationId: 'THA', role: 'ADVISER' })).toBe(false)
	expect(canAuthoriseAnswer({ ...head, role: 'DELEGATE' }, { delegationId: 'THA', role: 'DELEGATE' })).toBe(false)
})

test('canonical text: typed markup, pending suggestions, adjacent brackets and line breaks cannot pass for one another', async () => {
	const render = (setup: (t: Y.XmlText) => void, text: string) => {
		const doc = docOf([{ type: 'paragraph', id: 'p', kind: 'operative', text }])
		setup((doc.getXmlFragment('body').get(0) as Y.XmlElement).get(0) as Y.XmlText)
		return renderCanonical(readBlocks(doc))
	}
	const real = render((t) => t.format(0, 5, { bracket: { id: 'b', owner: 'THA' } }), 'shall act')
	const typed = render(() => {}, '[shall]{THA} act')
	expect(real).not.toBe(typed)
	expect(await hashCanonical(real)).not.toBe(await hashCanonical(typed))
	expect(render(() => {}, 'a\nb')).not.toBe(render(() => {}, 'a b'))
	// A pending deletion is part of what is approved.
	expect(render((t) => t.format(0, 4, { deletion: { id: 's', by: 'THA', author: 'N' } }), 'not agree')).toContain('{-not -}(THA)agree')
	// Two brackets side by side.
	expect(render((t) => {
		t.format(0, 3, { bracket: { id: 'x', owner: 'THA' } })
		t.format(3, 3, { bracket: { id: 'y', owner: 'BRN' } })
	}, 'aaabbb')).toContain('[aaa]{THA}[bbb]{BRN}')
	expect(parseCanonical(typed)[0]!.text).toBe('[shall]{THA} act')
})

test('compare lists every removed paragraph, even when another moved ahead of it', () => {
	const p = (id: string) => ({ id, type: 'paragraph' as const, label: '', kind: 'operative', status: 'open', text: id })
	expect(compareTexts([p('A'), p('X'), p('B')], [p('B'), p('A')]).map((c) => `${c.change}:${c.id}`)).toEqual(['same:B', 'same:A', 'removed:X'])
	expect(compareTexts([p('A'), p('B'), p('X'), p('C')], [p('C'), p('A'), p('B')]).map((c) => `${c.change}:${c.id}`)).toEqual(['same:C', 'same:A', 'same:B', 'removed:X'])
	expect(compareTexts([p('X'), p('A')], [p('A')]).map((c) => `${c.change}:${c.id}`)).toEqual(['removed:X', 'same:A'])
})

test('deadlines that do not exist are refused; a repeated hour means its first time; long paragraphs are compared whole', async () => {
	const { MAX_DIFF_TOKENS } = await import('#app/domain/revisions.ts')
	expect(zonedTimeToInstant('2026-03-08T02:30', 'America/New_York')).toBeNull() // the clock jumps 02:00 → 03:00
	expect(zonedTimeToInstant('2026-11-01T01:30', 'America/New_York')!.toISOString()).toBe('2026-11-01T05:30:00.000Z') // EDT, the first 01:30
	expect(zonedTimeToInstant('2031-02-30T10:00', 'Asia/Ho_Chi_Minh')).toBeNull()
	expect(zonedTimeToInstant('2026-13-45T27:99', 'Asia/Ho_Chi_Minh')).toBeNull()
	expect(zonedTimeToInstant('0099-01-01T10:00', 'Asia/Ho_Chi_Minh')).toBeNull()
	const long = Array.from({ length: MAX_DIFF_TOKENS }, (_, i) => `w${i}`).join(' ')
	const other = Array.from({ length: MAX_DIFF_TOKENS }, (_, i) => `v${i}`).join(' ')
	const diff = diffWords(`Mở đầu ${long} kết thúc.`, `Mở đầu ${other} kết thúc.`)
	expect(diff.map((d) => d.op)).toEqual(['same', 'delete', 'insert', 'same'])
})
