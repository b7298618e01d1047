import { expect, test } from 'vitest'
import * as Y from 'yjs'
import { encodeBlocks, newParagraphId, numberBlocks, readBlocks, renderPlainText, writeBlocks } from '#app/domain/statement.ts'
import { SEED_ARTICLE_QUOTES } from '#prisma/seed-data.ts'

test('operative paragraphs are numbered 1…n in order; preambular ones and headings are not', () => {
	const numbered = numberBlocks([
		{ type: 'paragraph', id: 'a', kind: 'preambular', text: 'Recognising…' },
		{ type: 'paragraph', id: 'b', kind: 'operative', text: 'Agree to…' },
		{ type: 'heading', id: 'h', text: 'Regional level' },
		{ type: 'paragraph', id: 'c', kind: 'operative', text: 'Encourage…' },
	])
	expect(numbered.map((b) => b.number)).toEqual([null, 1, null, 2])
})

test('blocks round-trip through Yjs with their ids, kinds and Vietnamese text intact', () => {
	const doc = new Y.Doc()
	const quote = SEED_ARTICLE_QUOTES[0]!
	writeBlocks(doc, [
		{ type: 'heading', id: 'h1', text: 'Priority areas' },
		{ type: 'paragraph', id: 'p1', kind: 'preambular', text: quote },
		{ type: 'paragraph', id: 'p2', kind: 'operative', text: 'Agree to strengthen cooperation.' },
	])
	expect(readBlocks(doc)).toEqual([
		{ type: 'heading', id: 'h1', text: 'Priority areas' },
		{ type: 'paragraph', id: 'p1', kind: 'preambular', text: quote },
		{ type: 'paragraph', id: 'p2', kind: 'operative', text: 'Agree to strengthen cooperation.' },
	])
	expect(renderPlainText(doc)).toBe(`Priority areas\n${quote}\n1. Agree to strengthen cooperation.`)
	expect(quote).toMatch(/[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/)
})

test('an encoded seed update gives every block a distinct id', () => {
	const doc = new Y.Doc()
	Y.applyUpdate(doc, encodeBlocks([
		{ type: 'paragraph', kind: 'operative', text: 'One' },
		{ type: 'paragraph', kind: 'operative', text: 'Two' },
	]))
	const ids = readBlocks(doc).map((b) => b.id)
	expect(new Set(ids).size).toBe(2)
	expect(newParagraphId()).toMatch(/^p[0-9a-z]{15}$/)
})
