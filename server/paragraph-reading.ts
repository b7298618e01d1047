import * as Y from 'yjs'
import { blockShapeProblem } from '#app/domain/document-shape.ts'
import { isFrozen, parseParagraphStatus, type ParagraphStatus } from '#app/domain/negotiation.ts'
import { BRACKET_MARK, readBlock } from '#app/domain/statement.ts'
import { baseOfDelta, DELETION_MARK, INSERTION_MARK, type DeltaOp } from '#app/domain/suggestions.ts'

/**
 * What the guard (server/guard.ts) remembers of a paragraph between changes, and how it reads
 * it: its status, brackets and suggestions, its text without suggestions (for an adviser's
 * change), a snapshot of a frozen paragraph, and whether its shape is one the editor makes.
 */
export type Seen = {
	status: ParagraphStatus
	/** Bracket id → owner. */
	brackets: Map<string, string>
	/** Suggestion id → "by\u0000author". */
	suggestions: Map<string, string>
	/** The paragraph without its suggestions (baseOfDelta); read only when an adviser writes. */
	base: string | null
	snapshot: string | null
	/** Why the block's shape is not one our editor makes, if it is not. */
	invalid: string | null
}

export function decrement(counts: Map<string, number>, id: string) {
	const n = (counts.get(id) ?? 1) - 1
	if (n <= 0) counts.delete(id)
	else counts.set(id, n)
}

const PROTECTED_MARKS = new Set([BRACKET_MARK, INSERTION_MARK, DELETION_MARK])

/**
 * A cheap first look at a loaded document (no text is read, only attributes and the items
 * that carry formatting): could any paragraph be frozen, or hold a bracket or a suggestion?
 * When not, the first keystroke after a load skips reading every paragraph (on 50 documents
 * whose typists start together, that reading held up every other room's fan-out).
 */
export function hasAnythingToProtect(fragment: Y.XmlFragment): boolean {
	for (const block of fragment.toArray()) {
		if (!(block instanceof Y.XmlElement)) continue
		if (isFrozen(parseParagraphStatus(block.getAttribute('status')))) return true
		for (const child of block.toArray()) {
			if (!(child instanceof Y.XmlText)) continue
			for (let item = child._start; item !== null; item = item.right) {
				if (!item.deleted && item.content instanceof Y.ContentFormat && PROTECTED_MARKS.has(item.content.key)) return true
			}
		}
	}
	return false
}
export const PLAIN_MARKS = new Set(['bold', 'italic'])
export const isEmptyObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0

export function describe(element: Y.XmlElement, withBase = false): Seen {
	const invalid = blockShapeProblem(element)
	const block = readBlock(element)
	const status = block.type === 'paragraph' ? block.status : parseParagraphStatus(element.getAttribute('status'))
	const brackets = new Map(block.type === 'paragraph' ? block.brackets.map((b) => [b.id, b.owner] as const) : [])
	const suggestions = new Map(block.type === 'paragraph' ? block.suggestions.map((x) => [x.id, `${x.by}\u0000${x.author}`] as const) : [])
	const base = withBase ? baseOf(element) : null
	return { status, brackets, suggestions, base, snapshot: isFrozen(status) ? snapshotOf(element) : null, invalid }
}

export function baseOf(element: Y.XmlElement): string {
	return JSON.stringify([
		element.nodeName,
		element.getAttribute('kind') ?? null,
		...element.toArray().map((child) => (child instanceof Y.XmlText ? baseOfDelta(child.toDelta() as DeltaOp[]) : child instanceof Y.XmlElement ? [child.nodeName, child.getAttribute('to') ?? null] : null)),
	])
}

/** Everything of a paragraph a client could change: attributes and formatted text. */
function snapshotOf(element: Y.XmlElement): string {
	const attrs = element.getAttributes()
	const sorted = Object.keys(attrs).sort().map((k) => [k, attrs[k]])
	const content = element.toArray().map((child) => (child instanceof Y.XmlText ? child.toDelta() : child instanceof Y.XmlElement ? child.toJSON() : null))
	return JSON.stringify([element.nodeName, sorted, content])
}
