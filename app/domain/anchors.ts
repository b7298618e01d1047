import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT } from './constants.ts'
import { findBlockElement, readBlock } from './statement.ts'

/**
 * Where a comment thread is anchored: two Yjs relative positions (encoded), start and end.
 * Relative positions name characters (Yjs items), not offsets, so the anchor follows its words
 * while others type before, inside or after them, on any replica, in any order of sync.
 *
 * `start` names the first character of the range (assoc 0: the position just before it);
 * `end` names the last character (assoc -1: the position just after it). Text typed right
 * before the first or right after the last character is therefore outside the range, text
 * typed between them inside. When an edge character is deleted, Yjs resolves its position to
 * where the character was, so the range shrinks to what is left between the two characters
 * and never reaches into the words around it.
 */
export type Anchor = { start: Uint8Array; end: Uint8Array }

/** Where an anchor is now: offsets are in the paragraph's text as readBlocks counts it. */
export type ResolvedAnchor = { paragraphId: string; start: number; end: number; text: string }

/**
 * The length of a child of a paragraph in the paragraph's offsets: a text run counts its
 * characters, an inline node (a paragraph reference) one (as statement.ts counts them).
 */
function childLength(child: unknown): number {
	return child instanceof Y.XmlText ? child.length : 1
}

/**
 * The Yjs type and local index holding the character at `offset` of a paragraph: a text run
 * and the index in it, or, for an inline node, the paragraph itself and the node's index.
 */
function locateCharacter(element: Y.XmlElement, offset: number): { type: Y.XmlText | Y.XmlElement; index: number } | null {
	let at = 0
	const children = element.toArray()
	for (let i = 0; i < children.length; i++) {
		const child = children[i]!
		const length = childLength(child)
		if (offset < at + length) return child instanceof Y.XmlText ? { type: child, index: offset - at } : { type: element, index: i }
		at += length
	}
	return null
}

/** The paragraph's length in characters (text runs plus one per inline node). */
function paragraphLength(element: Y.XmlElement): number {
	let length = 0
	for (const child of element.toArray()) length += childLength(child)
	return length
}

/**
 * Makes an anchor for [start, end) of a paragraph's text (offsets as readBlocks counts them).
 * Returns null if the paragraph does not exist, is not a paragraph, or the range is empty or
 * out of bounds: a thread is always anchored on at least one character of one paragraph.
 */
export function createAnchor(doc: Y.Doc, paragraphId: string, start: number, end: number): Anchor | null {
	const element = findBlockElement(doc, paragraphId)
	if (!element || element.nodeName !== 'paragraph') return null
	if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start || end > paragraphLength(element)) return null
	const first = locateCharacter(element, start)
	const last = locateCharacter(element, end - 1)
	if (!first || !last) return null
	// Before the first character, sticking to it; after the last one, sticking to it.
	const startPosition = Y.createRelativePositionFromTypeIndex(first.type, first.index, 0)
	const endPosition = Y.createRelativePositionFromTypeIndex(last.type, last.index + 1, -1)
	// Both name a character (never "end of a type"), which resolveAnchor relies on.
	if (startPosition.item === null || endPosition.item === null) return null
	return { start: Y.encodeRelativePosition(startPosition), end: Y.encodeRelativePosition(endPosition) }
}

/** True when the type, or one of its ancestors up to the document, was deleted. */
function isDeleted(type: Y.AbstractType<unknown>): boolean {
	for (let t: Y.AbstractType<unknown> | null = type; t !== null; t = t.parent) {
		if (t._item?.deleted) return true
	}
	return false
}

/**
 * One encoded relative position as a paragraph element and an offset in its text, or null
 * when it cannot be decoded, names no character, is not in a paragraph of the body, or its
 * paragraph (or text run) was deleted.
 */
function resolvePosition(doc: Y.Doc, fragment: Y.XmlFragment, encoded: Uint8Array): { element: Y.XmlElement; offset: number } | null {
	let absolute: Y.AbsolutePosition | null
	try {
		const relative = Y.decodeRelativePosition(encoded)
		// Anchors always name a character. A position naming a root type by name would make
		// Yjs define that type on the document as a side effect of resolving it: refuse it.
		if (!relative || relative.item === null) return null
		absolute = Y.createAbsolutePositionFromRelativePosition(relative, doc)
	} catch {
		return null
	}
	if (!absolute) return null
	const type = absolute.type as Y.AbstractType<unknown>
	if (isDeleted(type)) return null
	if (type instanceof Y.XmlText) {
		const element = type.parent
		if (!(element instanceof Y.XmlElement) || element.parent !== fragment) return null
		let offset = 0
		for (const child of element.toArray()) {
			if (child === type) return { element, offset: offset + absolute.index }
			offset += childLength(child)
		}
		return null
	}
	if (type instanceof Y.XmlElement && type.parent === fragment) {
		// The position names an inline node of the paragraph: index counts children.
		let offset = 0
		for (const child of type.slice(0, absolute.index)) offset += childLength(child)
		return { element: type, offset }
	}
	return null
}

/**
 * Where the anchor is now: the paragraph (id) it is in, the offsets, and the text it covers;
 * or null when it is orphaned: its words were all deleted, or its paragraph was deleted, or
 * start and end are no longer in the same paragraph, or the positions cannot be decoded. An
 * orphaned thread stays readable, it is only no longer shown on the text.
 */
export function resolveAnchor(doc: Y.Doc, anchor: Anchor): ResolvedAnchor | null {
	const fragment = doc.getXmlFragment(DOCUMENT_FRAGMENT)
	const start = resolvePosition(doc, fragment, anchor.start)
	const end = resolvePosition(doc, fragment, anchor.end)
	if (!start || !end || start.element !== end.element) return null
	if (start.offset >= end.offset) return null
	const block = readBlock(start.element)
	if (end.offset > block.text.length) return null
	return { paragraphId: block.id, start: start.offset, end: end.offset, text: block.text.slice(start.offset, end.offset) }
}

/** Bytes as base64, through a binary string: works in browsers and Node alike (no Buffer). */
function toBase64(bytes: Uint8Array): string {
	let binary = ''
	for (const byte of bytes) binary += String.fromCharCode(byte)
	return btoa(binary)
}

/** base64 back to bytes, or null when it is not base64. */
function fromBase64(value: string): Uint8Array | null {
	try {
		const binary = atob(value)
		const bytes = new Uint8Array(binary.length)
		for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
		return bytes
	} catch {
		return null
	}
}

/** An anchor as two base64 strings, to send it through a form or store it in a text column. */
export function encodeAnchor(anchor: Anchor): { start: string; end: string } {
	return { start: toBase64(anchor.start), end: toBase64(anchor.end) }
}

/**
 * An anchor from its base64 form (encodeAnchor), or null when either part is not base64 or
 * not an encoded relative position: form input is not trusted.
 */
export function decodeAnchor(value: { start: string; end: string }): Anchor | null {
	if (typeof value?.start !== 'string' || typeof value.end !== 'string') return null
	const start = fromBase64(value.start)
	const end = fromBase64(value.end)
	if (!start || !end || start.length === 0 || end.length === 0) return null
	try {
		Y.decodeRelativePosition(start)
		Y.decodeRelativePosition(end)
	} catch {
		return null
	}
	return { start, end }
}
