import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT, META_MAP } from '#app/domain/constants.ts'
import { duplicateIds, emptyRoots, idOfRemoved, keysChanged, plainTypingParagraphs, readFormatChanges, withinSize, type FormatRepair } from './transaction-reading.ts'
import { isFrozen, type ParagraphStatus } from '#app/domain/negotiation.ts'
import { baseOf, decrement, describe, hasAnythingToProtect, type Seen } from './paragraph-reading.ts'
import { refusal, type Refusal } from '#app/domain/refusals.ts'

/**
 * What clients may not change through the sync socket, whoever wrote the client (issue 4;
 * docs/decisions/007-negotiated-text.md):
 * - the document's shape (app/domain/document-shape.ts): `body` holds only the blocks the editor
 *   knows, each only its inline content, marks and attributes, values checked and bounded; no
 *   root but `body` and `meta`;
 * - a block's `id`: set once, never changed, never the id of another block;
 * - a paragraph's status (only the server writes it, for the Chair or the Secretariat);
 * - anything of a frozen paragraph (not open): its text, marks, attributes, or its existence;
 * - brackets: a client neither creates a bracket, nor makes one disappear, nor changes its
 *   owner, nor spreads it over words already there (the server does all that, for a delegation
 *   and for the Chair); typing inside a bracket, or splitting a paragraph through one, is fine;
 * - suggestions (app/domain/suggestions.ts): new suggested words carry the sender's delegation
 *   and name, a suggestion keeps its delegation and author, and only that delegation
 *   withdraws one (the Chair's decisions are the server's);
 * - for a suggest-only sender (an adviser), the text with suggestions taken out stays as it was;
 * - an update must be whole: content Yjs would park for a missing dependency is refused (it
 *   would otherwise be applied later inside someone else's change, under their name);
 * - once the text is adopted (the server writes `adopted` in the `meta` map), nothing changes,
 *   and no client writes the `meta` map at all.
 *
 * The guard keeps, per paragraph element, what it last saw, updated from the paragraphs each
 * transaction touched, so a keystroke costs a read of its own paragraph. While the document has
 * nothing to protect (no bracket, no suggestion, nothing frozen), a full editor's plain typing
 * is checked from the change alone (its delta: text with the editor's plain marks) and the
 * paragraph is only marked stale, to be read again before anything needs its state: ingesting
 * a long history then costs what it costs without the guard, not a read of the paragraph per
 * update. A client's change is
 * judged while Yjs finishes its transaction (the deep observer runs before garbage collection),
 * and when it broke a rule the offending paragraphs are undone at once by a compensating change
 * (Yjs cannot take back an update: dropping it would leave the sender's copy different from
 * everyone's for good, and its later edits stuck behind the dropped one). Other paragraphs of
 * the same update keep their changes, so words typed offline elsewhere are not lost.
 */
/** A refused change: the shared vocabulary (app/domain/refusals.ts). */
export type Violation = Refusal

/** Who sent the change being checked. */
export type Sender = { delegationCode: string; name: string; suggestOnly: boolean }

/** A change being checked, and what was found. */
type Check = {
	sender: Sender
	/** The transaction origin the change is applied with. */
	origin: unknown
	verdict: Violation | null
	offending: Set<Y.XmlElement>
	wholeDocument: boolean
	/** Paragraphs the change created. */
	created: Set<Y.XmlElement>
	/** Existing blocks whose id the change rewrote or removed. */
	idChanged: Set<Y.XmlElement>
	/** The document is at MAX_DOCUMENT_BYTES: nothing may be added, deletions pass. */
	full: boolean
	/**
	 * Words that were there before the change and whose bracket or suggestion marks it changed
	 * without meaning to (see formatDrift): their marks are set back after it.
	 */
	repairs: FormatRepair[]
	/** Roots of the client's own that the change wrote (emptied again after it). */
	roots: Y.AbstractType<any>[]
	/** Built when the change is refused (onAfterTransaction), to take it back. */
	undo: Y.UndoManager | null
}

const SERVER: Sender | null = null

export class DocumentGuard {
	private readonly seen = new WeakMap<Y.XmlElement, Seen>()
	private readonly fragment: Y.XmlFragment
	/** Bracket id → owner, and how many paragraphs hold a piece of it. */
	private readonly bracketCount = new Map<string, number>()
	private readonly bracketOwner = new Map<string, string>()
	/** Suggestion id → "by\u0000author", and how many paragraphs hold a piece of it. */
	private readonly suggestionCount = new Map<string, number>()
	private readonly suggestionWho = new Map<string, string>()
	/** Paragraphs changed by plain typing since the guard last read them (see above). */
	private readonly stale = new Set<Y.XmlElement>()
	private frozenCount = 0
	/** Paragraphs never read yet (just loaded): nothing is known to be quiet. */
	private unread = false
	/** The change being checked, and what was found. */
	private checking: Check | null = null

	private readonly meta: Y.Map<unknown>

	constructor(private readonly doc: Y.Doc) {
		this.fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT)
		this.meta = doc.getMap(META_MAP)
		// Read lazily, before the first client change is judged: loading a document for a join
		// does not wait for the guard to read every paragraph.
		for (const child of this.fragment.toArray()) if (child instanceof Y.XmlElement) this.stale.add(child)
		this.unread = this.stale.size > 0
		this.fragment.observeDeep(this.onEvents)
		this.meta.observe(this.onMeta)
		doc.on('afterTransaction', this.onAfterTransaction)
	}

	/**
	 * A refused change is taken back through an undo manager, which must see the change's
	 * transaction before Yjs collects what it deleted. Yjs runs this after the observers (so the
	 * verdict is known) and before its garbage collection; an accepted change, nearly every one,
	 * builds no undo manager and keeps nothing from collection.
	 */
	private readonly onAfterTransaction = (transaction: Y.Transaction) => {
		const check = this.checking
		if (!check || check.undo || transaction.origin !== check.origin) return
		// A root of its own (anything but `body` and `meta`): refused whole, and taken back with the rest.
		// (An undo manager cannot take these back: Yjs fires no event for a root nobody declared.)
		for (const type of transaction.changed.keys() as Iterable<Y.AbstractType<any>>) {
			if (type._item === null && type !== (this.fragment as Y.AbstractType<any>) && type !== (this.meta as Y.AbstractType<any>)) check.roots.push(type)
		}
		if (check.roots.length > 0) {
			check.verdict ??= refusal('malformed', 'A document holds its text only: that change adds a part of its own.')
			check.wholeDocument = true
		}
		if (check.full && [...transaction.afterState].some(([client, clock]) => clock > (transaction.beforeState.get(client) ?? 0))) {
			check.verdict ??= refusal('full')
			check.wholeDocument = true
		}
		const store = this.doc.store
		if (!check.verdict && !store.pendingStructs && !store.pendingDs) return
		const undo = new Y.UndoManager([this.fragment, this.meta], { trackedOrigins: new Set([check.origin]), captureTimeout: 0 })
		// Registered during this very transaction's listeners, it has not seen it: shown it now.
		undo.afterTransactionHandler(transaction)
		check.undo = undo
	}

	/** The meta map is the server's: a client writing it is refused as a whole. */
	private readonly onMeta = () => {
		if (!this.checking) return
		this.checking.verdict ??= refusal('malformed', 'That part of the document is written by the server only.')
		this.checking.wholeDocument = true
	}

	/**
	 * Runs once per transaction, with every event of the text, before Yjs collects deleted
	 * content: the server's own changes are remembered, a client's change is judged.
	 */
	private readonly onEvents = (events: Y.YEvent<Y.XmlElement | Y.XmlText>[]) => {
		// Plain typing in a quiet document: judged from the new items alone (computing an event's
		// delta walks the whole text, which on a long paragraph costs more than the keystroke).
		if (this.checking && this.quietFor(this.checking.sender) && events.length > 0) {
			const paragraphs = plainTypingParagraphs(this.doc, this.fragment, events[0]!.transaction, events)
			if (paragraphs && [...paragraphs].every(withinSize)) {
				for (const p of paragraphs) this.stale.add(p)
				if (this.meta.get('adopted')) {
					this.checking.verdict ??= refusal('adopted')
					this.checking.wholeDocument = true
				}
				return
			}
		}
		const touched = new Set<Y.XmlElement>()
		const removed = new Set<Y.XmlElement>()
		/** Paragraphs where existing words got a bracket or an insertion mark, or lost one. */
		const reformatted = new Set<Y.XmlElement>()
		/** Paragraphs where new words carry another delegation's suggestion. */
		const misattributed = new Set<Y.XmlElement>()
		for (const event of events) {
			if (event.target === this.fragment) {
				for (const item of event.changes.deleted) {
					const type = (item.content as Y.ContentType).type
					if (type instanceof Y.XmlElement) removed.add(type)
				}
				for (const item of event.changes.added) {
					const type = item.content instanceof Y.ContentType ? item.content.type : null
					if (type instanceof Y.XmlElement) {
						touched.add(type)
						this.checking?.created.add(type)
					} else if (this.checking) {
						// Bare text, a hook or a value between blocks: no editor can show it (y-prosemirror
						// throws and shows an empty text, which the next keystroke would save).
						this.checking.verdict ??= refusal('malformed', 'Only paragraphs and headings go in the text.')
						this.checking.wholeDocument = true
					}
				}
				if (this.checking && keysChanged(event).size > 0) {
					this.checking.verdict ??= refusal('malformed', 'The text itself carries no attributes.')
					this.checking.wholeDocument = true
				}
				continue
			}
			// A change inside a paragraph: find the paragraph (the element right under the fragment).
			let node: Y.AbstractType<unknown> | null = event.target as Y.AbstractType<unknown>
			while (node && node.parent !== this.fragment) node = node.parent as Y.AbstractType<unknown> | null
			if (!(node instanceof Y.XmlElement)) continue
			touched.add(node)
			// A block's id is set once: references, positions, comments and brackets point at it.
			if (node === event.target && this.checking && keysChanged(event).has('id') && (event as Y.YEvent<Y.XmlElement>).keys.get('id')?.action !== 'add') {
				this.checking.idChanged.add(node)
			}
			if (this.checking && event instanceof Y.YTextEvent) {
				const read = readFormatChanges(event, this.checking.sender)
				if (read.reformatted) reformatted.add(node)
				if (read.insertionReformatted) this.checking.verdict ??= refusal('suggestion')
				if (read.misattributed) misattributed.add(node)
				this.checking.repairs.push(...read.repairs)
			}
		}
		const verdict = this.evaluate(touched, removed, this.checking?.sender ?? SERVER)
		if (!this.checking) return
		const check = this.checking
		if (this.meta.get('adopted')) {
			check.verdict ??= refusal('adopted')
			check.wholeDocument = true
		}
		// A block may take the id of one this change removed: deleting from the start of a
		// paragraph to the start of the last one leaves the first paragraph (ProseMirror keeps it)
		// with the last one's words, which the binding writes by updating the last element in place.
		const freed = new Set<unknown>([...removed].map(idOfRemoved).filter((id) => id !== undefined))
		for (const element of check.idChanged) if (freed.has(element.getAttribute('id'))) check.idChanged.delete(element)
		if (check.idChanged.size > 0) {
			check.verdict ??= refusal('malformed', 'A paragraph keeps its id: references, positions and comments point at it.')
			for (const element of check.idChanged) check.offending.add(element)
		}
		const taken = duplicateIds(this.fragment, check.created)
		if (taken.size > 0) {
			check.verdict ??= refusal('malformed', 'Each paragraph keeps an id of its own: that id belongs to another paragraph.')
			for (const element of taken) {
				if (check.created.has(element)) check.wholeDocument = true
				else check.offending.add(element)
			}
		}
		for (const element of reformatted) check.offending.add(element)
		for (const element of misattributed) check.offending.add(element)
		if (reformatted.size > 0) check.verdict ??= refusal('bracket')
		if (misattributed.size > 0) check.verdict ??= refusal('suggestion')
		if (verdict) {
			check.verdict ??= verdict.violation
			for (const element of verdict.offending) check.offending.add(element)
			if (verdict.wholeDocument) check.wholeDocument = true
		}
	}

	/**
	 * Applies a client's update (`apply`) and checks what it changed. Returns the broken rule,
	 * after undoing the offending part, or null when the change stands.
	 */
	check(apply: () => void, origin: unknown, sender: Sender, { full = false }: { full?: boolean } = {}): Violation | null {
		// A just-loaded document with nothing to protect needs no reading: its paragraphs stay
		// stale, exactly as plain typing leaves them.
		if (this.unread && !hasAnythingToProtect(this.fragment)) this.unread = false
		// Whatever this change is judged against must be read as it is now.
		if (!this.quietFor(sender)) this.refreshStale()
		if (sender.suggestOnly) {
			for (const child of this.fragment.toArray()) {
				const seen = child instanceof Y.XmlElement ? this.seen.get(child) : undefined
				if (seen && seen.base === null) seen.base = baseOf(child as Y.XmlElement)
			}
		}
		const check: Check = { sender, origin, verdict: null, offending: new Set(), wholeDocument: false, created: new Set(), idChanged: new Set(), full, repairs: [], roots: [], undo: null }
		this.checking = check
		let failed: unknown = null
		try {
			apply()
		} catch (error) {
			// A cut-off update may throw after part of it is in: that part was judged like any other.
			failed = error
		} finally {
			this.checking = null
		}
		const store = this.doc.store
		if (store.pendingStructs || store.pendingDs) {
			store.pendingStructs = null
			store.pendingDs = null
			check.verdict ??= refusal('malformed', 'That change depends on changes the server does not have; reload the page.')
			check.wholeDocument = true
		}
		const undo = check.undo
		try {
			if (check.verdict && undo) {
				// Only the offending paragraphs go back (or everything, when the document's shape was
				// hit), with the paragraphs the change created next to them (the second half of a split).
				if (!check.wholeDocument && check.offending.size > 0) {
					undo.scope = [...check.offending]
					undo.undo()
					const stray = [...check.created].filter((p) => !p._item?.deleted && p.parent === this.fragment && [p.prevSibling, p.nextSibling].some((s) => s instanceof Y.XmlElement && check.offending.has(s)))
					if (stray.length > 0) {
						this.doc.transact(() => {
							for (const p of stray) {
								const index = this.fragment.toArray().indexOf(p)
								if (index >= 0) this.fragment.delete(index, 1)
							}
						}, undo)
					}
				} else undo.undo()
			}
			if (check.roots.length > 0) this.doc.transact((transaction) => emptyRoots(check.roots, transaction), this)
			// Marks set back wherever the change stands: everywhere when it was accepted, and outside
			// the paragraphs taken back when only those were (the undo restored their marks itself).
			const repairs = check.wholeDocument && check.verdict ? [] : check.repairs.filter((r) => !check.offending.has(r.text.parent as Y.XmlElement) && !r.text._item?.deleted)
			if (repairs.length > 0) {
				this.doc.transact(() => {
					for (const { text, index, length, attributes } of repairs) text.format(index, length, attributes)
				}, this)
			}
		} finally {
			undo?.destroy()
		}
		if (failed) throw failed
		return check.verdict
	}

	/** Nothing in the document to protect, and a sender whose plain typing is all it may do. */
	private quietFor(sender: Sender): boolean {
		return !this.unread && !sender.suggestOnly && this.bracketCount.size === 0 && this.suggestionCount.size === 0 && this.frozenCount === 0
	}

	private refreshStale() {
		for (const element of this.stale) {
			if (element._item?.deleted || element.parent !== this.fragment) continue
			this.forget(element)
			this.remember(element, describe(element))
		}
		this.stale.clear()
		this.unread = false
	}

	/**
	 * Compares the touched paragraphs with what was seen, then remembers them as they are.
	 * `sender` is null for the server's own changes (accepted as they are).
	 */
	private evaluate(touched: Set<Y.XmlElement>, removed: Set<Y.XmlElement>, sender: Sender | null) {
		let violation: Violation | null = null
		const offending = new Set<Y.XmlElement>()
		let wholeDocument = false
		const flag = (v: Violation, element: Y.XmlElement | null) => {
			violation ??= v
			if (element) offending.add(element)
			else wholeDocument = true
		}
		const bracketsBefore = new Set(this.bracketCount.keys())
		const suggestionsBefore = new Set(this.suggestionCount.keys())
		const lost = new Map<string, string>() // suggestion id → who, for pieces that went away
		for (const element of removed) {
			const before = this.seen.get(element)
			if (sender && before && isFrozen(before.status)) flag(refusal('frozen', before.status), null)
			if (sender?.suggestOnly && before) flag(refusal('suggest-only'), null)
			for (const [id, who] of before?.suggestions ?? []) lost.set(id, who)
			this.forget(element)
		}
		for (const element of touched) {
			if (element._item?.deleted || removed.has(element) || element.parent !== this.fragment) continue
			const before = this.seen.get(element)
			const after = describe(element, sender?.suggestOnly === true)
			if (sender) {
				if (after.invalid) flag(refusal('malformed', after.invalid), before ? element : null)
				if (after.status !== (before?.status ?? 'open')) flag(refusal('status'), before ? element : null)
				else if (before?.snapshot != null && after.snapshot !== before.snapshot) flag(refusal('frozen', before.status), element)
				if (sender.suggestOnly && after.base !== (before?.base ?? null)) flag(refusal('suggest-only'), before ? element : null)
				for (const [id, owner] of after.brackets) {
					const known = this.bracketOwner.get(id)
					if (known !== undefined && known !== owner) flag(refusal('bracket'), element)
				}
				for (const [id, who] of after.suggestions) {
					const known = this.suggestionWho.get(id) ?? lost.get(id)
					if (known !== undefined ? known !== who : who !== `${sender.delegationCode}\u0000${sender.name}`) flag(refusal('suggestion'), before ? element : null)
				}
			}
			for (const [id, who] of before?.suggestions ?? []) lost.set(id, who)
			this.forget(element)
			this.remember(element, after)
		}
		if (sender) {
			// Brackets may move between paragraphs (a split, a join); none may appear or vanish.
			if (this.bracketCount.size !== bracketsBefore.size || [...bracketsBefore].some((id) => !this.bracketCount.has(id))) flag(refusal('bracket'), null)
			// A suggestion that vanished is withdrawn: only by its own delegation.
			for (const id of suggestionsBefore) {
				if (this.suggestionCount.has(id)) continue
				const who = lost.get(id) ?? this.suggestionWho.get(id) ?? ''
				if (who.split('\u0000')[0] !== sender.delegationCode) flag(refusal('suggestion'), null)
			}
		}
		// Forget owners of what is gone for good (the server resolved it, or the undo restores it).
		for (const id of this.bracketOwner.keys()) if (!this.bracketCount.has(id)) this.bracketOwner.delete(id)
		for (const id of this.suggestionWho.keys()) if (!this.suggestionCount.has(id) && !lost.has(id)) this.suggestionWho.delete(id)
		return violation ? { violation: violation as Violation, offending, wholeDocument } : null
	}

	private remember(element: Y.XmlElement, seen: Seen) {
		this.seen.set(element, seen)
		this.stale.delete(element)
		if (isFrozen(seen.status)) this.frozenCount++
		for (const [id, owner] of seen.brackets) {
			this.bracketCount.set(id, (this.bracketCount.get(id) ?? 0) + 1)
			if (!this.bracketOwner.has(id)) this.bracketOwner.set(id, owner)
		}
		for (const [id, who] of seen.suggestions) {
			this.suggestionCount.set(id, (this.suggestionCount.get(id) ?? 0) + 1)
			if (!this.suggestionWho.has(id)) this.suggestionWho.set(id, who)
		}
	}

	private forget(element: Y.XmlElement) {
		const seen = this.seen.get(element)
		if (!seen) return
		this.seen.delete(element)
		if (isFrozen(seen.status)) this.frozenCount--
		for (const id of seen.brackets.keys()) decrement(this.bracketCount, id)
		for (const id of seen.suggestions.keys()) decrement(this.suggestionCount, id)
	}

	destroy() {
		this.fragment.unobserveDeep(this.onEvents)
		this.meta.unobserve(this.onMeta)
		this.doc.off('afterTransaction', this.onAfterTransaction)
	}
}
