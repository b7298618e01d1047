import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT } from './constants.ts'

/**
 * The shape of a negotiated text as it lives in Yjs (and in ProseMirror through y-prosemirror):
 * a fragment of blocks. Paragraphs carry a stable `id` and a `kind`; operative paragraphs are
 * numbered 1, 2, 3… in document order, preambular ones are not. Headings structure action plans.
 * Later issues add status, brackets and suggestions to these nodes.
 */
export type ParagraphKind = 'preambular' | 'operative'

export type StatementBlock =
	| { type: 'heading'; id: string; text: string }
	| { type: 'paragraph'; id: string; kind: ParagraphKind; text: string }

/** A block to write: the id is made when absent. */
export type BlockInput =
	| { type: 'heading'; id?: string; text: string }
	| { type: 'paragraph'; id?: string; kind: ParagraphKind; text: string }

export type NumberedBlock = StatementBlock & { number: number | null }

export const PARAGRAPH_KINDS: readonly ParagraphKind[] = ['preambular', 'operative']

/** A short random id for a paragraph; works in browsers on plain http too (no randomUUID). */
export function newParagraphId(): string {
	const bytes = new Uint8Array(9)
	globalThis.crypto.getRandomValues(bytes)
	let out = 'p'
	for (const b of bytes) out += b.toString(36).padStart(2, '0')
	return out.slice(0, 16)
}

export function parseParagraphKind(value: unknown): ParagraphKind {
	return value === 'preambular' ? 'preambular' : 'operative'
}

/** Numbers operative paragraphs 1…n in order; everything else gets null. */
export function numberBlocks(blocks: readonly StatementBlock[]): NumberedBlock[] {
	let n = 0
	return blocks.map((block) => ({
		...block,
		number: block.type === 'paragraph' && block.kind === 'operative' ? ++n : null,
	}))
}

/** Writes blocks into an empty document (seed content, tests). */
export function writeBlocks(doc: Y.Doc, blocks: readonly BlockInput[]) {
	const fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT)
	doc.transact(() => {
		const elements = blocks.map((block) => {
			// Attribute values as y-prosemirror writes them: the heading level is a number.
			const element = new Y.XmlElement<Record<string, string | number>>(block.type)
			element.setAttribute('id', block.id ?? newParagraphId())
			if (block.type === 'paragraph') element.setAttribute('kind', block.kind)
			else element.setAttribute('level', 2)
			const text = new Y.XmlText()
			text.insert(0, block.text)
			element.insert(0, [text])
			return element
		})
		fragment.insert(fragment.length, elements as unknown as Y.XmlElement[])
	})
}

/** One Yjs update holding the given blocks: the first entry of a new document's log. */
export function encodeBlocks(blocks: readonly BlockInput[]): Uint8Array {
	const doc = new Y.Doc()
	writeBlocks(doc, blocks)
	const update = Y.encodeStateAsUpdate(doc)
	doc.destroy()
	return update
}

/** Reads the blocks of a document back as plain text (tests, exports, comparisons). */
export function readBlocks(doc: Y.Doc): StatementBlock[] {
	const fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT)
	const blocks: StatementBlock[] = []
	for (const child of fragment.toArray()) {
		if (!(child instanceof Y.XmlElement)) continue
		const text = xmlText(child)
		const id = String(child.getAttribute('id') ?? '')
		if (child.nodeName === 'heading') blocks.push({ type: 'heading', id, text })
		else blocks.push({ type: 'paragraph', id, kind: parseParagraphKind(child.getAttribute('kind')), text })
	}
	return blocks
}

function xmlText(node: Y.XmlElement | Y.XmlText): string {
	if (node instanceof Y.XmlText) {
		return node.toDelta().map((op: { insert?: unknown }) => (typeof op.insert === 'string' ? op.insert : '')).join('')
	}
	return node.toArray().map((child) => (child instanceof Y.XmlElement || child instanceof Y.XmlText ? xmlText(child) : '')).join('')
}

/** The whole text, one block a line, operative paragraphs prefixed with their number. */
export function renderPlainText(doc: Y.Doc): string {
	return numberBlocks(readBlocks(doc))
		.map((b) => (b.number ? `${b.number}. ${b.text}` : b.text))
		.join('\n')
}
