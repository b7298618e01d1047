import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { isFrozen, parseParagraphStatus, PARAGRAPH_STATUS_LABELS, type ParagraphStatus } from '#app/domain/negotiation.ts'
import { readBlock } from '#app/domain/statement.ts'
import { baseOfDelta, type DeltaOp } from '#app/domain/suggestions.ts'

/**
 * What clients may not change through the sync socket, whoever wrote the client (issue 4;
 * docs/decisions/007-negotiated-text.md):
 * - a paragraph's status (only the server writes it, for the Chair or the Secretariat);
 * - anything of a frozen paragraph (not open): its text, marks, attributes, or its existence;
 * - the set of brackets: a client neither creates a bracket nor makes one disappear (the
 *   server does both, for a delegation and for the Chair); typing inside a bracket, or moving
 *   bracketed words to another paragraph, is fine;
 * - suggestions (app/domain/suggestions.ts): a new one carries the sender's delegation, and only
 *   that delegation withdraws its own (the Chair's decisions are the server's);
 * - for a suggest-only sender (an adviser), the text with suggestions taken out stays as it was.
 *
 * The guard keeps, per paragraph element, what it last saw (status, bracket ids, and for a
 * frozen paragraph a snapshot of it), updated after every accepted transaction from the
 * paragraphs that transaction touched, so a keystroke costs a read of its own paragraph.
 * A client's change is applied, checked against that, and when it broke a rule it is undone by
 * a compensating change the server makes at once (Yjs cannot take back an update: dropping it
 * would leave the sender's copy different from everyone's for good, and its later edits stuck
 * behind the dropped one). Everyone, the sender included, converges on the protected text.
 */
type Seen = {
	status: ParagraphStatus
	brackets: string[]
	/** Suggestion id → the delegation that made it. */
	suggestions: Map<string, string>
	/** The paragraph without its suggestions (baseOfDelta). */
	base: string
	snapshot: string | null
}

export type Violation = {
	code: 'StatusChanged' | 'FrozenChanged' | 'BracketChanged' | 'SuggestionChanged' | 'SuggestOnly'
	message: string
}

/** Who sent the change being checked. */
export type Sender = { delegationCode: string; suggestOnly: boolean }

export class DocumentGuard {
	private readonly seen = new WeakMap<Y.XmlElement, Seen>()
	private readonly fragment: Y.XmlFragment
	/** Bracket ids in the document and how many paragraphs hold a piece of each. */
	private readonly bracketCount = new Map<string, number>()
	/** The same for suggestion ids. */
	private readonly suggestionCount = new Map<string, number>()
	/** Paragraphs touched by the transaction in progress, and the paragraphs removed from it. */
	private touched = new Set<Y.XmlElement>()
	private removed = new Set<Y.XmlElement>()

	constructor(private readonly doc: Y.Doc) {
		this.fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT)
		for (const child of this.fragment.toArray()) if (child instanceof Y.XmlElement) this.remember(child)
		this.fragment.observeDeep(this.onEvents)
		doc.on('afterTransaction', this.afterTransaction)
	}

	/** The server's own writes (statuses, brackets, resolutions) are accepted as they are. */
	private readonly afterTransaction = () => {
		if (!this.checking && (this.touched.size > 0 || this.removed.size > 0)) this.evaluate()
	}

	/** Set while a client's change is being checked (it evaluates itself). */
	private checking = false

	private readonly onEvents = (events: Y.YEvent<Y.XmlElement | Y.XmlText>[]) => {
		for (const event of events) {
			if (event.target === this.fragment) {
				for (const item of event.changes.deleted) {
					const type = (item.content as Y.ContentType).type
					if (type instanceof Y.XmlElement) this.removed.add(type)
				}
				for (const item of event.changes.added) {
					const type = (item.content as Y.ContentType).type
					if (type instanceof Y.XmlElement) this.touched.add(type)
				}
				continue
			}
			// A change inside a paragraph: find the paragraph (the element right under the fragment).
			let node: Y.AbstractType<unknown> | null = event.target as Y.AbstractType<unknown>
			while (node && node.parent !== this.fragment) node = node.parent as Y.AbstractType<unknown> | null
			if (node instanceof Y.XmlElement) this.touched.add(node)
		}
	}

	/**
	 * Runs `apply` (which applies a client's update) and checks what it changed. Returns the
	 * broken rule, after undoing the change, or null when the change stands.
	 */
	check(apply: () => void, origin: unknown, sender: Sender = { delegationCode: '', suggestOnly: false }): Violation | null {
		this.touched = new Set()
		this.removed = new Set()
		this.checking = true
		const undo = new Y.UndoManager(this.fragment, { trackedOrigins: new Set([origin]), captureTimeout: 0 })
		try {
			apply()
			const violation = this.evaluate(sender)
			if (violation) {
				undo.undo()
				// The undo went through the observer too: re-read what it restored.
				this.evaluate()
			}
			return violation
		} finally {
			this.checking = false
			undo.destroy()
		}
	}

	/** Compares the touched paragraphs with what was seen, then remembers them as they are. */
	private evaluate(sender: Sender | null = null): Violation | null {
		let violation: Violation | null = null
		const bracketsBefore = new Set(this.bracketCount.keys())
		const idsBefore = new Set(this.suggestionCount.keys())
		const suggestionsBefore = new Map<string, string>()
		const suggestionsAfter = new Map<string, string>()
		for (const element of this.removed) {
			const before = this.seen.get(element)
			if (before && isFrozen(before.status)) violation ??= frozen(before.status)
			if (before && sender?.suggestOnly && before.base !== EMPTY_BASE) violation ??= suggestOnly()
			for (const [id, by] of before?.suggestions ?? []) suggestionsBefore.set(id, by)
			this.forget(element)
		}
		for (const element of this.touched) {
			if (element._item?.deleted || this.removed.has(element)) continue
			const before = this.seen.get(element)
			const after = describe(element)
			if (after.status !== (before?.status ?? 'open')) violation ??= { code: 'StatusChanged', message: 'Only the Chair or the Secretariat sets the status of a paragraph.' }
			else if (before?.snapshot != null && after.snapshot !== before.snapshot) violation ??= frozen(before.status)
			if (sender?.suggestOnly && after.base !== (before?.base ?? EMPTY_BASE)) violation ??= suggestOnly()
			for (const [id, by] of before?.suggestions ?? []) suggestionsBefore.set(id, by)
			for (const [id, by] of after.suggestions) suggestionsAfter.set(id, by)
			this.forget(element)
			this.remember(element, after)
		}
		if (sender) {
			// Suggestions may move between paragraphs; a new one is the sender's own; only its
			// own delegation withdraws one.
			for (const [id, by] of suggestionsAfter) if (!idsBefore.has(id) && by !== sender.delegationCode) violation ??= suggestion()
			for (const [id, by] of suggestionsBefore) if (!this.suggestionCount.has(id) && by !== sender.delegationCode) violation ??= suggestion()
		}
		// Brackets may move between paragraphs (a split, a join); none may appear or vanish.
		if (this.bracketCount.size !== bracketsBefore.size || [...bracketsBefore].some((id) => !this.bracketCount.has(id))) violation ??= bracket()
		this.touched = new Set()
		this.removed = new Set()
		return violation
	}

	private remember(element: Y.XmlElement, seen: Seen = describe(element)) {
		this.seen.set(element, seen)
		for (const id of seen.brackets) this.bracketCount.set(id, (this.bracketCount.get(id) ?? 0) + 1)
		for (const id of seen.suggestions.keys()) this.suggestionCount.set(id, (this.suggestionCount.get(id) ?? 0) + 1)
	}

	private forget(element: Y.XmlElement) {
		const seen = this.seen.get(element)
		if (!seen) return
		this.seen.delete(element)
		for (const id of seen.brackets) {
			const n = (this.bracketCount.get(id) ?? 1) - 1
			if (n <= 0) this.bracketCount.delete(id)
			else this.bracketCount.set(id, n)
		}
		for (const id of seen.suggestions.keys()) {
			const n = (this.suggestionCount.get(id) ?? 1) - 1
			if (n <= 0) this.suggestionCount.delete(id)
			else this.suggestionCount.set(id, n)
		}
	}

	destroy() {
		this.fragment.unobserveDeep(this.onEvents)
		this.doc.off('afterTransaction', this.afterTransaction)
	}
}

const EMPTY_BASE = '[]'

function describe(element: Y.XmlElement): Seen {
	const block = readBlock(element)
	const status = block.type === 'paragraph' ? block.status : parseParagraphStatus(element.getAttribute('status'))
	const brackets = block.type === 'paragraph' ? [...new Set(block.brackets.map((b) => b.id))] : []
	const suggestions = new Map(block.type === 'paragraph' ? block.suggestions.map((x) => [x.id, x.by] as const) : [])
	const base = JSON.stringify([
		element.nodeName,
		element.getAttribute('kind') ?? null,
		...element.toArray().map((child) => (child instanceof Y.XmlText ? baseOfDelta(child.toDelta() as DeltaOp[]) : null)),
	])
	return { status, brackets, suggestions, base, snapshot: isFrozen(status) ? snapshotOf(element) : null }
}

/** Everything of a paragraph a client could change: attributes and formatted text. */
function snapshotOf(element: Y.XmlElement): string {
	const attrs = element.getAttributes()
	const sorted = Object.keys(attrs).sort().map((k) => [k, attrs[k]])
	const content = element.toArray().map((child) => (child instanceof Y.XmlText ? child.toDelta() : child instanceof Y.XmlElement ? child.toJSON() : null))
	return JSON.stringify([element.nodeName, sorted, content])
}

function frozen(status: ParagraphStatus): Violation {
	return { code: 'FrozenChanged', message: `This paragraph is ${PARAGRAPH_STATUS_LABELS[status].toLowerCase()}: its text cannot change until the Chair reopens it.` }
}

function suggestOnly(): Violation {
	return { code: 'SuggestOnly', message: 'Your role makes suggestions: type, delete or paste in suggestion mode; the Chair accepts or rejects them.' }
}

function suggestion(): Violation {
	return { code: 'SuggestionChanged', message: 'Suggestions are made in your delegation’s name and decided by the Chair or the Secretariat.' }
}

function bracket(): Violation {
	return { code: 'BracketChanged', message: 'Brackets are added from the bracket menu and resolved by the Chair.' }
}
