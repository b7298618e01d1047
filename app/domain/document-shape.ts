import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT, MAX_ATTRIBUTE_CHARS, MAX_PARAGRAPH_CHARS, META_MAP } from './constants.ts'
import { PARAGRAPH_STATUSES } from './negotiation.ts'
import { BRACKET_MARK, PARAGRAPH_KINDS, PARAGRAPH_REF_NODE } from './statement.ts'
import { DELETION_MARK, INSERTION_MARK } from './suggestions.ts'

/**
 * Everything a negotiated text may hold, as it lives in Yjs: one definition that the editor's
 * schema must agree with (tests/unit/document-shape.test.ts compares them) and that the sync
 * server enforces on every client change (server/guard.ts). A change that puts anything else
 * in the document is refused and undone for everyone.
 *
 * - `body` holds blocks only: the elements named in BLOCK_SHAPES, nothing else (no bare text,
 *   no hooks, no values).
 * - A block holds text (one Y.XmlText per run, without attributes of its own) and the inline
 *   nodes its shape allows; text carries only the marks of MARK_SHAPES.
 * - Attributes come from the list of their node or mark, each value checked and bounded.
 * - No root but `body` and `meta` (the latter written by the server alone).
 */
type AttributeRule = (value: unknown) => boolean

/** Ids the editor and the server make (`newId`): short, URL-safe. */
export const isElementId: AttributeRule = (value) => typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value)
/** A delegation code (ISO 3166-1 alpha-3, or an organisation's short code). */
const isDelegationCode: AttributeRule = (value) => typeof value === 'string' && /^[A-Z0-9]{2,12}$/.test(value)
const isName: AttributeRule = (value) => typeof value === 'string' && value.length <= MAX_ATTRIBUTE_CHARS
const oneOf =
	(values: readonly unknown[]): AttributeRule =>
	(value) =>
		values.includes(value)

export type BlockShape = {
	attributes: Record<string, AttributeRule>
	/** Attributes a block must have. */
	required: readonly string[]
	/** Inline nodes allowed besides text. */
	inline: readonly string[]
}

export const BLOCK_SHAPES: Record<string, BlockShape> = {
	paragraph: {
		// `status` is the server's: the guard refuses a client that writes it (negotiation rules).
		attributes: { id: isElementId, kind: oneOf(PARAGRAPH_KINDS), status: oneOf(PARAGRAPH_STATUSES) },
		required: ['id'],
		inline: [PARAGRAPH_REF_NODE],
	},
	heading: {
		attributes: { id: isElementId, level: oneOf([2]) },
		required: ['id'],
		inline: [],
	},
}

export const INLINE_SHAPES: Record<string, { attributes: Record<string, AttributeRule> }> = {
	[PARAGRAPH_REF_NODE]: { attributes: { to: isElementId } },
}

/** Marks on text and their attributes (a mark without attributes is stored as `{}`). */
export const MARK_SHAPES: Record<string, Record<string, AttributeRule>> = {
	bold: {},
	italic: {},
	[BRACKET_MARK]: { id: isElementId, owner: isDelegationCode },
	[INSERTION_MARK]: { id: isElementId, by: isDelegationCode, author: isName },
	[DELETION_MARK]: { id: isElementId, by: isDelegationCode, author: isName },
}

/** Roots a document has; only the server writes `meta`. */
export const ROOTS: ReadonlySet<string> = new Set([DOCUMENT_FRAGMENT, META_MAP])

/** What a block holds that its shape does not allow, in a sentence; null when it is well formed. */
export function blockShapeProblem(element: Y.XmlElement): string | null {
	const shape = BLOCK_SHAPES[element.nodeName]
	if (!shape) return `“${clip(element.nodeName)}” is not a kind of block this editor knows.`
	const attributeProblem = attributesProblem(element.getAttributes(), shape.attributes, 'block')
	if (attributeProblem) return attributeProblem
	for (const key of shape.required) if (element.getAttribute(key) === undefined) return `A block needs its “${key}”.`
	let characters = 0
	for (const child of element.toArray() as unknown[]) {
		if (child instanceof Y.XmlText) {
			if (Object.keys(child.getAttributes()).length > 0) return 'Text does not carry attributes of its own.'
			characters += child.length
			for (const op of child.toDelta() as { insert?: unknown; attributes?: Record<string, unknown> }[]) {
				if (typeof op.insert !== 'string') return 'Only text and references go in a paragraph.'
				for (const [key, value] of Object.entries(op.attributes ?? {})) {
					const problem = markProblem(key, value)
					if (problem) return problem
				}
			}
		} else if (child instanceof Y.XmlElement && shape.inline.includes(child.nodeName) && child.length === 0) {
			const inline = INLINE_SHAPES[child.nodeName]!
			const problem = attributesProblem(child.getAttributes(), inline.attributes, 'reference')
			if (problem) return problem
			for (const key of Object.keys(inline.attributes)) if (child.getAttribute(key) === undefined) return `A reference needs its “${key}”.`
			characters += 1
		} else return element.nodeName === 'heading' ? 'Only text goes in a heading.' : 'Only text and references go in a paragraph.'
	}
	if (characters > MAX_PARAGRAPH_CHARS) return `A paragraph holds at most ${MAX_PARAGRAPH_CHARS.toLocaleString('en')} characters: split it.`
	return null
}

/** Why a mark on text is not one the editor makes, or null. */
export function markProblem(key: string, value: unknown): string | null {
	const rules = MARK_SHAPES[key]
	if (!rules) return `“${clip(key)}” is not a mark this editor knows.`
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return `Malformed mark “${key}”.`
	return attributesProblem(value as Record<string, unknown>, rules, key === BRACKET_MARK ? 'bracket' : key === 'bold' || key === 'italic' ? key : 'suggestion', true)
}

function attributesProblem(attributes: Record<string, unknown>, rules: Record<string, AttributeRule>, what: string, all = false): string | null {
	for (const [key, value] of Object.entries(attributes)) {
		const rule = rules[key]
		if (!rule) return `A ${what} has no attribute “${clip(key)}”.`
		if (!rule(value)) return `A ${what}’s “${key}” is not valid.`
	}
	if (all) for (const key of Object.keys(rules)) if (!(key in attributes)) return `A ${what} needs its “${key}”.`
	return null
}

/** Names from a client are echoed back bounded. */
function clip(name: string): string {
	return name.length > 40 ? `${name.slice(0, 40)}…` : name
}
