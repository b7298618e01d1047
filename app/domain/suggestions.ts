import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT } from './constants.ts'

/**
 * Suggestion mode (issue 4): a change proposed rather than made. Inserted words carry an
 * `insertion` mark, words proposed for removal a `deletion` mark, each `{ id, by, author }`
 * (delegation code and the person's name): they show inline, attributed, and are not part of
 * the text until the Chair or the Secretariat accepts them. An adviser's role allows only
 * suggestions, and the server holds them to it (server/guard.ts): with every suggestion taken
 * out, their change must leave the text as it was.
 */
export const INSERTION_MARK = 'insertion'
export const DELETION_MARK = 'deletion'

export type SuggestionKind = 'insert' | 'delete'
export type SuggestionAttrs = { id: string; by: string; author: string }
export type SuggestionSpan = SuggestionAttrs & { kind: SuggestionKind; start: number; end: number; text: string }

export type DeltaOp = { insert?: unknown; attributes?: Record<string, unknown> }

export function suggestionOf(attributes: Record<string, unknown> | undefined): (SuggestionAttrs & { kind: SuggestionKind }) | null {
	for (const [key, kind] of [[INSERTION_MARK, 'insert'], [DELETION_MARK, 'delete']] as const) {
		const value = attributes?.[key] as Partial<SuggestionAttrs> | undefined
		if (value && typeof value.id === 'string') return { kind, id: value.id, by: String(value.by ?? ''), author: String(value.author ?? '') }
	}
	return null
}

/**
 * What a paragraph says with every suggestion taken out (proposed insertions dropped, words
 * proposed for removal kept, formatting included): a suggestion-only change must keep it.
 */
export function baseOfDelta(delta: readonly DeltaOp[]): string {
	// Runs with the same formatting are joined: taking a mark out must not leave a seam.
	const parts: [unknown, string][] = []
	for (const op of delta) {
		if (suggestionOf(op.attributes)?.kind === 'insert') continue
		const { [DELETION_MARK]: _deletion, ...attributes } = op.attributes ?? {}
		const format = JSON.stringify(attributes)
		const last = parts[parts.length - 1]
		if (last && last[1] === format && typeof last[0] === 'string' && typeof op.insert === 'string') last[0] += op.insert
		else parts.push([op.insert, format])
	}
	return JSON.stringify(parts)
}

/**
 * Accepts or rejects suggestions in the text: those with the given ids, or all of one
 * delegation. Accepting an insertion keeps its words, accepting a deletion removes them;
 * rejecting does the opposite. Returns what was decided, for the record.
 */
export function decideSuggestionsInText(
	doc: Y.Doc,
	which: { ids?: readonly string[]; by?: string },
	decision: 'accept' | 'reject',
): SuggestionSpan[] {
	const decided: SuggestionSpan[] = []
	doc.transact(() => {
		for (const child of doc.getXmlFragment(DOCUMENT_FRAGMENT).toArray()) {
			if (!(child instanceof Y.XmlElement)) continue
			for (const node of child.toArray()) {
				if (!(node instanceof Y.XmlText)) continue
				// Runs to decide, last first so that earlier offsets stay valid.
				const runs: SuggestionSpan[] = []
				let offset = 0
				for (const op of node.toDelta() as DeltaOp[]) {
					const text = typeof op.insert === 'string' ? op.insert : ''
					// Anything else in a text (an embed) is one position long in Yjs.
					const length = typeof op.insert === 'string' ? text.length : 1
					const s = suggestionOf(op.attributes)
					if (s && ((which.ids && which.ids.includes(s.id)) || (which.by && s.by === which.by))) {
						runs.push({ ...s, start: offset, end: offset + length, text })
					}
					offset += length
				}
				for (const run of runs.reverse()) {
					const removeWords = (run.kind === 'insert') === (decision === 'reject')
					if (removeWords) node.delete(run.start, run.end - run.start)
					else node.format(run.start, run.end - run.start, { [run.kind === 'insert' ? INSERTION_MARK : DELETION_MARK]: null })
				}
				decided.push(...runs.reverse())
			}
		}
	})
	return decided
}
