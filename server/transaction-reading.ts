import * as Y from 'yjs'
import { MAX_PARAGRAPH_CHARS } from '#app/domain/constants.ts'
import { BRACKET_MARK } from '#app/domain/statement.ts'
import { DELETION_MARK, INSERTION_MARK, type DeltaOp } from '#app/domain/suggestions.ts'
import { isEmptyObject, PLAIN_MARKS } from './paragraph-reading.ts'

/**
 * Reading what one Yjs transaction did, for the guard (server/guard.ts): marks that moved on
 * words already there, ids of removed blocks, attributes changed, roots to empty, sizes.
 */

/** The marks a client never changes on words already there (the server does, for the Chair). */
export const PROTECTED_KEYS = [BRACKET_MARK, INSERTION_MARK, DELETION_MARK]

/** Marks to set back on `length` characters at `index` of a text (null: the mark was not there). */
export type FormatRepair = { text: Y.XmlText; index: number; length: number; attributes: Record<string, unknown> }

/** Runs of characters whose marks changed: what they were before and what they are now, per mark. */
export type FormatDrift = { text: Y.XmlText; index: number; length: number; before: Record<string, unknown>; now: Record<string, unknown> }

export const byOf = (value: unknown) => (value as { by?: unknown } | null | undefined)?.by

/**
 * Characters that were in the text before this transaction and still are, whose bracket or
 * suggestion marks differ from what they were: runs of them, with the marks they had. Read from
 * the items themselves (a format item sets its key for everything after it, until the next one
 * for that key), once as the text was before the transaction and once as it is now.
 */
export function formatDrift(text: Y.XmlText, transaction: Y.Transaction): FormatDrift[] {
	const before = new Map<string, unknown>()
	const now = new Map<string, unknown>()
	const repairs: FormatDrift[] = []
	let index = 0
	const existedBefore = (item: Y.Item) => item.id.clock < (transaction.beforeState.get(item.id.client) ?? 0)
	for (let item = text._start; item !== null; item = item.right) {
		const visibleNow = !item.deleted
		const visibleBefore = existedBefore(item) && (!item.deleted || Y.isDeleted(transaction.deleteSet, item.id))
		if (item.content instanceof Y.ContentFormat) {
			const { key, value } = item.content
			if (visibleNow) now.set(key, value)
			if (visibleBefore) before.set(key, value)
			continue
		}
		if (!item.countable || !visibleNow) continue
		if (visibleBefore) {
			const was: Record<string, unknown> = {}
			const is: Record<string, unknown> = {}
			for (const key of PROTECTED_KEYS) {
				const a = before.get(key) ?? null
				const b = now.get(key) ?? null
				if (JSON.stringify(a) === JSON.stringify(b)) continue
				was[key] = a
				is[key] = b
			}
			if (Object.keys(was).length > 0) {
				const last = repairs[repairs.length - 1]
				const same = last && last.index + last.length === index && JSON.stringify([last.before, last.now]) === JSON.stringify([was, is])
				if (same) last.length += item.length
				else repairs.push({ text, index, length: item.length, before: was, now: is })
			}
		}
		index += item.length
	}
	return repairs
}

/** The id a block had, read from the attribute item it still holds while its removal is observed. */
export function idOfRemoved(element: Y.XmlElement): unknown {
	const content = element._map.get('id')?.content
	return content instanceof Y.ContentAny ? content.arr[0] : content instanceof Y.ContentString ? content.str : undefined
}

/** Deletes everything in these roots (nested types go with their items); Yjs collects it. */
export function emptyRoots(roots: Y.AbstractType<any>[], transaction: Y.Transaction) {
	for (const root of roots) {
		for (let item = root._start; item !== null; item = item.right) if (!item.deleted) item.delete(transaction)
		for (const item of root._map.values()) if (!item.deleted) item.delete(transaction)
	}
}

/** Attributes a transaction changed on an event's target (for a fragment, none may change). */
export function keysChanged(event: Y.YEvent<any>): Set<string> {
	const subs = event.transaction.changed.get(event.target) ?? new Set<string | null>()
	return new Set([...subs].filter((key): key is string => key !== null))
}

/** A paragraph within MAX_PARAGRAPH_CHARS (its text runs and references). */
export function withinSize(element: Y.XmlElement): boolean {
	let characters = 0
	for (const child of element.toArray()) characters += child instanceof Y.XmlText ? child.length : 1
	return characters <= MAX_PARAGRAPH_CHARS
}

/** What a client's change did to the marks of one text (readFormatChanges). */
export type FormatReading = {
	/** Words already there got or lost a bracket or an insertion mark: someone's doing, refused. */
	reformatted: boolean
	/** …and it was an insertion mark (a suggestion put on words already there). */
	insertionReformatted: boolean
	/** New words carry another delegation's suggestion. */
	misattributed: boolean
	/** Marks of words already there that drifted with the change, to be set back after it. */
	repairs: FormatRepair[]
}

/**
 * Reads the brackets and suggestions a client's change touched in one text. Typed next to a
 * suggestion at the moment someone else types there too, a client's own format markers (Yjs
 * writes them to end and restore the neighbours' marks) can end up around words they never
 * covered: those words get their marks back, the keystroke stands. A change that only formats
 * words already there is someone putting a bracket or a suggestion on them: refused.
 */
export function readFormatChanges(event: Y.YTextEvent, sender: { delegationCode: string; suggestOnly: boolean }): FormatReading {
	const reading: FormatReading = { reformatted: false, insertionReformatted: false, misattributed: false, repairs: [] }
	const delta = event.delta as (DeltaOp & { retain?: number; delete?: number })[]
	if (delta.some((op) => op.retain !== undefined && op.attributes && PROTECTED_KEYS.some((key) => key in op.attributes!))) {
		const own = sender.delegationCode
		const formatsOnly = delta.every((op) => op.retain !== undefined)
		for (const run of formatDrift(event.target as Y.XmlText, event.transaction)) {
			const back: Record<string, unknown> = {}
			for (const [key, was] of Object.entries(run.before)) {
				const is = run.now[key]
				// Proposing words for removal in one's own name, or taking one's own proposal back, is
				// what a suggester does; another delegation's proposal is not one's to change.
				if (key === DELETION_MARK && (was == null || byOf(was) === own) && (is == null || byOf(is) === own)) continue
				// Only formatting, and a bracket or an insertion mark put on words: someone's doing. For
				// an adviser, any change to them is refused, not repaired: its change is judged on the
				// marks as they are, and setting them back afterwards could let plain words through.
				if (key !== DELETION_MARK && ((formatsOnly && is != null) || sender.suggestOnly)) {
					reading.reformatted = true
					if (key === INSERTION_MARK) reading.insertionReformatted = true
					continue
				}
				back[key] = was
			}
			if (Object.keys(back).length > 0) reading.repairs.push({ text: run.text, index: run.index, length: run.length, attributes: back })
		}
	}
	for (const op of delta) {
		if (op.insert === undefined) continue
		for (const key of [INSERTION_MARK, DELETION_MARK]) {
			const by = (op.attributes?.[key] as { by?: unknown } | undefined)?.by
			if (by !== undefined && by !== sender.delegationCode) reading.misattributed = true
		}
	}
	return reading
}

/**
 * The paragraphs a transaction changed, if all it did was plain typing in them: every event is
 * on a paragraph's text, every new item is text or a plain mark (bold, italic, or a mark's
 * end), and nothing else (no block, no attribute, no embed). Null otherwise.
 */
export function plainTypingParagraphs(doc: Y.Doc, fragment: Y.XmlFragment, transaction: Y.Transaction, events: Y.YEvent<Y.XmlElement | Y.XmlText>[]): Set<Y.XmlElement> | null {
	const paragraphs = new Set<Y.XmlElement>()
	for (const event of events) {
		const text = event.target
		if (!(text instanceof Y.XmlText) || !(text.parent instanceof Y.XmlElement) || text.parent.parent !== fragment) return null
		paragraphs.add(text.parent)
	}
	for (const [client, after] of transaction.afterState) {
		const before = transaction.beforeState.get(client) ?? 0
		if (after <= before) continue
		const structs = doc.store.clients.get(client)
		if (!structs) continue
		for (let i = Y.findIndexSS(structs, before); i < structs.length; i++) {
			const struct = structs[i]!
			if (!(struct instanceof Y.Item)) continue
			const parent = struct.parent
			if (!(parent instanceof Y.XmlText) || !(parent.parent instanceof Y.XmlElement) || !paragraphs.has(parent.parent)) return null
			const content = struct.content
			if (content instanceof Y.ContentString || content instanceof Y.ContentDeleted) continue
			if (content instanceof Y.ContentFormat && (content.value === null || (PLAIN_MARKS.has(content.key) && isEmptyObject(content.value)))) continue
			return null
		}
	}
	return paragraphs
}

/**
 * Blocks this change created or whose id it set that share their id with another block. Read
 * only when blocks came or ids changed (a split, a paste), never for typing.
 */
export function duplicateIds(fragment: Y.XmlFragment, created: Set<Y.XmlElement>): Set<Y.XmlElement> {
	const mine = [...created].filter((e) => !e._item?.deleted && e.parent === fragment)
	if (mine.length === 0) return new Set()
	const count = new Map<unknown, number>()
	for (const child of fragment.toArray()) {
		if (!(child instanceof Y.XmlElement)) continue
		const id = child.getAttribute('id')
		if (id !== undefined) count.set(id, (count.get(id) ?? 0) + 1)
	}
	return new Set(mine.filter((e) => (count.get(e.getAttribute('id')) ?? 0) > 1))
}
