import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT } from './constants.ts'
import { letterLabel, parseParagraphStatus, type ParagraphStatus, type PreambleStyle } from './negotiation.ts'
import { suggestionOf, type SuggestionSpan } from './suggestions.ts'

/**
 * The shape of a negotiated text as it lives in Yjs (and in ProseMirror through y-prosemirror):
 * a fragment of blocks. Paragraphs carry a stable `id` and a `kind`; operative paragraphs are
 * numbered 1, 2, 3… in document order, preambular ones are not. Headings structure action plans.
 * Paragraphs also carry a `status` (app/domain/negotiation.ts), and their text may hold
 * brackets: a `bracket` mark ({ id, owner }) over the words in dispute.
 */
export type ParagraphKind = 'preambular' | 'operative'

/** A bracket as it sits in the text: offsets are in the paragraph's characters. */
export type BracketSpan = { id: string; owner: string; start: number; end: number; text: string }

export type StatementBlock =
	| { type: 'heading'; id: string; text: string }
	| {
			type: 'paragraph'
			id: string
			kind: ParagraphKind
			status: ParagraphStatus
			text: string
			brackets: BracketSpan[]
			/** Proposed insertions and deletions (their words are in `text`, as shown). */
			suggestions: SuggestionSpan[]
			/** References to other paragraphs, at their offsets in `text` (REF_CHAR there). */
			refs: ParagraphRef[]
	  }

/** A block to write: the id is made when absent. */
export type BlockInput =
	| { type: 'heading'; id?: string; text: string }
	| {
			type: 'paragraph'
			id?: string
			kind: ParagraphKind
			status?: ParagraphStatus
			text: string
			brackets?: { id: string; owner: string; start: number; end: number }[]
	  }

export type NumberedBlock = StatementBlock & {
	/** Operative paragraphs: 1, 2, 3 … */
	number: number | null
	/** What the margin shows: "1." for operative paragraphs, "(a)" for lettered preambular ones. */
	label: string | null
}

/** The name of the mark of a bracket, in ProseMirror and as a Yjs format attribute. */
export const BRACKET_MARK = 'bracket'

/**
 * A reference to another paragraph ("OP 7"): an inline node holding the paragraph's id, shown
 * with the paragraph's current number, so it follows renumbering. In `text` it is one
 * character, OBJECT REPLACEMENT (as ProseMirror counts it: one position).
 */
export const PARAGRAPH_REF_NODE = 'paragraphRef'
export const REF_CHAR = '\uFFFC'

export type ParagraphRef = { offset: number; to: string }

export const PARAGRAPH_KINDS: readonly ParagraphKind[] = ['preambular', 'operative']

/**
 * A short random id (16 characters, starting with `prefix`) for a paragraph, a bracket or a
 * suggestion; works in browsers on plain http too (no randomUUID).
 */
export function newId(prefix: 'p' | 'b' | 's'): string {
	const bytes = new Uint8Array(9)
	globalThis.crypto.getRandomValues(bytes)
	let out: string = prefix
	for (const b of bytes) out += b.toString(36).padStart(2, '0')
	return out.slice(0, 16)
}

export const newParagraphId = () => newId('p')

export function parseParagraphKind(value: unknown): ParagraphKind {
	return value === 'preambular' ? 'preambular' : 'operative'
}

/**
 * Numbers operative paragraphs 1…n in document order; preambular ones are lettered (a), (b) …
 * when the Chair chose letters, else unlabelled; headings get nothing. Numbers follow from the
 * order: add, move or remove a paragraph and the others renumber; the ids do not change.
 */
export function numberBlocks<B extends { type: string; kind?: ParagraphKind }>(
	blocks: readonly B[],
	preamble: PreambleStyle = 'none',
): (B & { number: number | null; label: string | null })[] {
	let n = 0
	let letter = 0
	return blocks.map((block) => {
		if (block.type === 'paragraph' && block.kind === 'operative') {
			n++
			return { ...block, number: n, label: `${n}.` }
		}
		if (block.type === 'paragraph' && preamble === 'letters') return { ...block, number: null, label: `(${letterLabel(++letter)})` }
		return { ...block, number: null, label: null }
	})
}

/** Writes blocks into an empty document (seed content, tests). */
export function writeBlocks(doc: Y.Doc, blocks: readonly BlockInput[]) {
	const fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT)
	doc.transact(() => {
		const elements = blocks.map((block) => {
			// Attribute values as y-prosemirror writes them: the heading level is a number.
			const element = new Y.XmlElement<Record<string, string | number>>(block.type)
			element.setAttribute('id', block.id ?? newParagraphId())
			if (block.type === 'paragraph') {
				element.setAttribute('kind', block.kind)
				if (block.status && block.status !== 'open') element.setAttribute('status', block.status)
			} else element.setAttribute('level', 2)
			const text = new Y.XmlText()
			text.insert(0, block.text)
			if (block.type === 'paragraph') {
				for (const b of block.brackets ?? []) text.format(b.start, b.end - b.start, { [BRACKET_MARK]: { id: b.id, owner: b.owner } })
			}
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

/** Reads the blocks of a document back: text, kinds, statuses and brackets. */
export function readBlocks(doc: Y.Doc): StatementBlock[] {
	return doc
		.getXmlFragment(DOCUMENT_FRAGMENT)
		.toArray()
		.filter((child): child is Y.XmlElement => child instanceof Y.XmlElement)
		.map(readBlock)
}

/** One block of the fragment (a Yjs element as y-prosemirror writes it). */
export function readBlock(element: Y.XmlElement): StatementBlock {
	const id = String(element.getAttribute('id') ?? '')
	const { text, brackets, suggestions, refs } = readInline(element)
	if (element.nodeName === 'heading') return { type: 'heading', id, text }
	return {
		type: 'paragraph',
		id,
		kind: parseParagraphKind(element.getAttribute('kind')),
		status: parseParagraphStatus(element.getAttribute('status')),
		text,
		brackets,
		suggestions,
		refs,
	}
}

type DeltaOp = { insert?: unknown; attributes?: Record<string, unknown> }

/** The text of a block and the bracket spans in it (adjacent runs of one bracket are one span). */
function readInline(element: Y.XmlElement): { text: string; brackets: BracketSpan[]; suggestions: SuggestionSpan[]; refs: ParagraphRef[] } {
	let text = ''
	const brackets: BracketSpan[] = []
	const suggestions: SuggestionSpan[] = []
	const refs: ParagraphRef[] = []
	const visit = (node: unknown) => {
		if (node instanceof Y.XmlText) {
			for (const op of node.toDelta() as DeltaOp[]) {
				if (typeof op.insert !== 'string') continue
				const start = text.length
				text += op.insert
				const suggestion = suggestionOf(op.attributes)
				if (suggestion) {
					const last = suggestions[suggestions.length - 1]
					if (last && last.id === suggestion.id && last.end === start) {
						last.end = text.length
						last.text += op.insert
					} else suggestions.push({ ...suggestion, start, end: text.length, text: op.insert })
				}
				const mark = op.attributes?.[BRACKET_MARK] as { id?: unknown; owner?: unknown } | undefined
				if (!mark || typeof mark.id !== 'string') continue
				const last = brackets[brackets.length - 1]
				if (last && last.id === mark.id && last.end === start) {
					last.end = text.length
					last.text += op.insert
				} else {
					brackets.push({ id: mark.id, owner: String(mark.owner ?? ''), start, end: text.length, text: op.insert })
				}
			}
		} else if (node instanceof Y.XmlElement && node.nodeName === PARAGRAPH_REF_NODE) {
			refs.push({ offset: text.length, to: String(node.getAttribute('to') ?? '') })
			text += REF_CHAR
		} else if (node instanceof Y.XmlElement) {
			for (const child of node.toArray()) visit(child)
		}
	}
	for (const child of element.toArray()) visit(child)
	return { text, brackets, suggestions, refs }
}

/** The whole text, one block a line, paragraphs prefixed with their label. */
export function renderPlainText(doc: Y.Doc, preamble: PreambleStyle = 'none'): string {
	const blocks = numberBlocks(readBlocks(doc), preamble)
	const names = paragraphNames(blocks)
	return blocks
		.map((b) => {
			let text = b.text
			if (b.type === 'paragraph') for (const ref of [...b.refs].reverse()) text = text.slice(0, ref.offset) + (names.get(ref.to) ?? '[deleted paragraph]') + text.slice(ref.offset + 1)
			return b.label ? `${b.label} ${text}` : text
		})
		.join('\n')
}

/** How delegates name each paragraph now: "OP 3", "PP (b)", "PP". */
export function paragraphNames(blocks: readonly { id: string; type: string; kind?: ParagraphKind; number: number | null; label: string | null }[]): Map<string, string> {
	const names = new Map<string, string>()
	for (const b of blocks) {
		if (b.type !== 'paragraph') continue
		names.set(b.id, b.kind === 'operative' ? `OP ${b.number}` : b.label ? `PP ${b.label}` : 'PP')
	}
	return names
}

/** The element of a paragraph (or heading) by its stable id, or null. */
export function findBlockElement(doc: Y.Doc, id: string): Y.XmlElement | null {
	for (const child of doc.getXmlFragment(DOCUMENT_FRAGMENT).toArray()) {
		if (child instanceof Y.XmlElement && child.getAttribute('id') === id) return child
	}
	return null
}

/**
 * The text runs of a paragraph with the offset each starts at. y-prosemirror writes a
 * paragraph's text as one Y.XmlText per run between inline nodes (references), which count
 * as one character each.
 */
function textRuns(element: Y.XmlElement): { text: Y.XmlText; start: number; end: number }[] {
	const runs: { text: Y.XmlText; start: number; end: number }[] = []
	let offset = 0
	for (const child of element.toArray()) {
		if (child instanceof Y.XmlText) {
			const length = child.length
			runs.push({ text: child, start: offset, end: offset + length })
			offset += length
		} else offset += 1
	}
	return runs
}

/** Applies `change` to the part of every text run that falls in [start, end), last run first. */
function eachRunPart(element: Y.XmlElement, start: number, end: number, change: (text: Y.XmlText, from: number, length: number) => void) {
	for (const run of textRuns(element).reverse()) {
		const from = Math.max(start, run.start)
		const to = Math.min(end, run.end)
		if (from < to) change(run.text, from - run.start, to - from)
	}
}

export type TextEditError = { code: 'NoParagraph' | 'TextMoved' | 'Overlaps' | 'NoBracket'; message: string }

/**
 * Puts a bracket mark over [start, end) of a paragraph's text, if those characters still read
 * `expected` (the page sends what the delegate selected; text that moved meanwhile is refused
 * rather than bracketing the wrong words) and no bracket covers any of them already.
 */
export function addBracketMark(
	doc: Y.Doc,
	input: { paragraphId: string; start: number; end: number; expected: string; bracket: { id: string; owner: string } },
): TextEditError | null {
	const element = findBlockElement(doc, input.paragraphId)
	if (!element || element.nodeName !== 'paragraph') return { code: 'NoParagraph', message: 'That paragraph is no longer in the text.' }
	const block = readBlock(element)
	if (block.type !== 'paragraph') return { code: 'NoParagraph', message: 'Headings are not bracketed.' }
	if (input.start < 0 || input.end <= input.start || block.text.slice(input.start, input.end) !== input.expected) {
		return { code: 'TextMoved', message: 'The text changed while you were selecting it. Select the words again.' }
	}
	if (block.brackets.some((b) => b.start < input.end && input.start < b.end)) {
		return { code: 'Overlaps', message: 'Part of that text is already in brackets. Propose an alternative to that bracket instead.' }
	}
	eachRunPart(element, input.start, input.end, (text, from, length) => text.format(from, length, { [BRACKET_MARK]: { id: input.bracket.id, owner: input.bracket.owner } }))
	return null
}

/**
 * Ends a bracket in the text: its words stay without the mark (`keep`), are replaced by an
 * alternative's words (`replace`), or are removed (`delete`). Every piece of the bracket is
 * handled (a split may have spread it over two paragraphs). Returns the words that stayed.
 */
export function resolveBracketInText(
	doc: Y.Doc,
	bracketId: string,
	resolution: { kind: 'keep' } | { kind: 'replace'; text: string } | { kind: 'delete' },
): { text: string } | TextEditError {
	const pieces: { element: Y.XmlElement; start: number; end: number; words: string }[] = []
	for (const child of doc.getXmlFragment(DOCUMENT_FRAGMENT).toArray()) {
		if (!(child instanceof Y.XmlElement)) continue
		const block = readBlock(child)
		if (block.type !== 'paragraph') continue
		for (const b of block.brackets) if (b.id === bracketId) pieces.push({ element: child, start: b.start, end: b.end, words: b.text })
	}
	if (pieces.length === 0) return { code: 'NoBracket', message: 'That bracket is no longer in the text.' }
	doc.transact(() => {
		// Last piece first, so earlier offsets stay valid.
		for (let i = pieces.length - 1; i >= 0; i--) {
			const { element, start, end } = pieces[i]!
			if (resolution.kind === 'keep') {
				eachRunPart(element, start, end, (text, from, length) => text.format(from, length, { [BRACKET_MARK]: null }))
				continue
			}
			eachRunPart(element, start, end, (text, from, length) => text.delete(from, length))
			if (resolution.kind === 'replace' && i === 0) {
				const run = textRuns(element).find((r) => r.start <= start && start <= r.end)
				if (run) run.text.insert(start - run.start, resolution.text)
				else {
					const text = new Y.XmlText()
					text.insert(0, resolution.text)
					element.insert(element.length, [text])
				}
			}
		}
	})
	const kept = resolution.kind === 'keep' ? pieces.map((p) => p.words).join('') : resolution.kind === 'replace' ? resolution.text : ''
	return { text: kept }
}

/** Writes a paragraph's status (the server does this, for the Chair or the Secretariat). */
export function setParagraphStatusInText(doc: Y.Doc, paragraphId: string, status: ParagraphStatus): TextEditError | null {
	const element = findBlockElement(doc, paragraphId)
	if (!element || element.nodeName !== 'paragraph') return { code: 'NoParagraph', message: 'That paragraph is no longer in the text.' }
	if (status === 'open') element.removeAttribute('status')
	else element.setAttribute('status', status)
	return null
}
