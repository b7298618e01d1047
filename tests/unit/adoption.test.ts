import { expect, test } from 'vitest'
import * as Y from 'yjs'
import { describeOpenParagraph, finalTitle, isWhole, NOT_IN_TEXT, openItems, summariseOpenItems } from '#app/domain/adoption.ts'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { readBlocks, writeBlocks, type BlockInput } from '#app/domain/statement.ts'

function blocksOf(input: BlockInput[], change?: (doc: Y.Doc) => void) {
	const doc = new Y.Doc()
	writeBlocks(doc, input)
	change?.(doc)
	const blocks = readBlocks(doc)
	doc.destroy()
	return blocks
}

const textOf = (doc: Y.Doc, n: number) => (doc.getXmlFragment(DOCUMENT_FRAGMENT).get(n) as Y.XmlElement).get(0) as Y.XmlText

const agreed = (id: string, kind: 'preambular' | 'operative', text: string): BlockInput => ({ type: 'paragraph', id, kind, status: 'agreed', text })

test('a whole text: every paragraph agreed, nothing pending, resolved threads only', () => {
	const blocks = blocksOf([
		{ type: 'heading', id: 'h', text: 'Ưu tiên' },
		agreed('a', 'preambular', 'Nhắc lại Tuyên bố về tăng cường năng lực ứng phó của nền công vụ;'),
		agreed('b', 'operative', 'Nhất trí thúc đẩy chuyển đổi số nền công vụ.'),
	])
	const items = openItems(blocks, [{ paragraphId: 'b', status: 'RESOLVED', quote: 'chuyển đổi số', delegationCode: 'THA' }])
	expect(isWhole(items)).toBe(true)
	expect(items.paragraphs).toEqual([])
	expect(summariseOpenItems(items)).toBe('')
})

test('open items paragraph by paragraph: not agreed, ad ref., brackets, suggestions, threads, with the names delegates use', () => {
	const blocks = blocksOf(
		[
			agreed('a', 'preambular', 'Recognising the capacity of ASEAN civil services;'),
			{ type: 'paragraph', id: 'b', kind: 'preambular', status: 'ad_ref', text: 'Noting with satisfaction that the Work Plan 2021-2025 remains on track;' },
			{ type: 'paragraph', id: 'c', kind: 'operative', text: 'Agree to pursue the digital transformation of the civil service and the protection of data privacy;' },
			agreed('d', 'operative', 'Nhất trí thúc đẩy chuyển đổi số nền công vụ.'),
			{ type: 'paragraph', id: 'e', kind: 'operative', status: 'agreed', text: 'Encourage cooperation with ASEAN+3 partners.' },
		],
		(doc) => {
			const c = textOf(doc, 2)
			const at = c.toString().indexOf('and the protection of data privacy')
			c.format(at, 'and the protection of data privacy'.length, { bracket: { id: 'bx', owner: 'SGP' } })
			// A suggestion in an otherwise agreed paragraph (it would not be agreed with it, but a
			// restored text can hold one): still open.
			textOf(doc, 4).insert(10, 'closer ', { insertion: { id: 's1', by: 'THA', author: 'Siriporn Wongsawat' } })
		},
	)
	const items = openItems(
		blocks,
		[
			{ paragraphId: 'd', status: 'OPEN', quote: 'chuyển đổi số', delegationCode: 'KHM' },
			{ paragraphId: 'd', status: 'RESOLVED', quote: 'nền công vụ', delegationCode: 'THA' },
			{ paragraphId: 'gone', status: 'OPEN', quote: 'words since deleted', delegationCode: 'IDN' },
		],
		'letters',
	)
	expect(isWhole(items)).toBe(false)
	expect(items.paragraphs.map((p) => [p.name, p.status, describeOpenParagraph(p)])).toEqual([
		['PP (b)', 'ad_ref', 'agreed ad ref. only'],
		['OP 1', 'open', 'not agreed · 1 bracket (SGP)'],
		['OP 2', null, '1 comment thread (KHM)'],
		['OP 3', null, '1 suggestion (THA)'],
		[NOT_IN_TEXT, null, '1 comment thread (IDN)'],
	])
	expect(items.paragraphs[1]).toMatchObject({ paragraphId: 'c', brackets: [{ owner: 'SGP', text: 'and the protection of data privacy' }] })
	expect(items.paragraphs[1]!.excerpt).toBe('Agree to pursue the digital transformation of the civil…')
	expect(items.paragraphs[2]).toMatchObject({ excerpt: 'Nhất trí thúc đẩy chuyển đổi số nền công vụ.', threads: [{ delegation: 'KHM', quote: 'chuyển đổi số' }] })
	expect(items.paragraphs[3]!.suggestions).toEqual([{ by: 'THA', kind: 'insert', text: 'closer ' }])
	expect(items.counts).toEqual({ notAgreed: 1, adRef: 1, brackets: 1, suggestions: 1, threads: 2 })
	expect(summariseOpenItems(items)).toBe('1 paragraph not agreed, 1 paragraph agreed ad ref. only, 1 bracket, 1 pending suggestion, 2 unresolved comment threads')

	// Without lettering, preambular paragraphs are all "PP": the excerpt tells them apart.
	expect(openItems(blocks, []).paragraphs[0]).toMatchObject({ name: 'PP', excerpt: 'Noting with satisfaction that the Work Plan 2021-2025…' })
})

test('a bracket split over two paragraphs is listed in each and counted once', () => {
	const blocks = blocksOf(
		[
			{ type: 'paragraph', id: 'a', kind: 'operative', text: 'Agree to share good practices' },
			{ type: 'paragraph', id: 'b', kind: 'operative', text: 'among all Member States.' },
		],
		(doc) => {
			textOf(doc, 0).format(9, 5, { bracket: { id: 'split', owner: 'BRN' } })
			textOf(doc, 1).format(0, 5, { bracket: { id: 'split', owner: 'BRN' } })
		},
	)
	const items = openItems(blocks, [])
	expect(items.paragraphs.map((p) => p.brackets)).toEqual([[{ owner: 'BRN', text: 'share' }], [{ owner: 'BRN', text: 'among' }]])
	expect(items.counts.brackets).toBe(1)
	expect(items.counts.notAgreed).toBe(2)
})

test('an adopted text’s title drops its working label', () => {
	expect(finalTitle('Joint Statement of the 21st ACCSM Heads Meeting (draft)')).toBe('Joint Statement of the 21st ACCSM Heads Meeting')
	expect(finalTitle('Joint Statement [DRAFT] of ACCSM 22')).toBe('Joint Statement of ACCSM 22')
	expect(finalTitle('Plan of Action – draft')).toBe('Plan of Action')
	expect(finalTitle('Draft joint statement')).toBe('Joint statement')
	expect(finalTitle('Tuyên bố chung (dự thảo)')).toBe('Tuyên bố chung')
	expect(finalTitle('Drafting principles')).toBe('Drafting principles')
	expect(finalTitle('Draft')).toBe('Draft')
})
