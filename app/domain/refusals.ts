import { PARAGRAPH_STATUS_LABELS, type ParagraphStatus } from './negotiation.ts'

/**
 * Why a change to the text is not made: one vocabulary for the page, which refuses a change
 * before sending it (NegotiationGuard in app/components/statement-schema.ts), and the server,
 * which refuses and undoes what a client sent anyway (server/guard.ts). The server sends the
 * sentence with its refusal, so any y-websocket client can show it.
 */
export type RefusalCode =
	/** Text of a paragraph that is agreed or agreed ad referendum. */
	| 'frozen'
	/** A paragraph's status, which the Chair or the Secretariat sets through the server. */
	| 'status'
	/** A bracket made, removed or given another owner other than through the bracket menu. */
	| 'bracket'
	/** Another delegation's suggestion, or a suggestion in another delegation's name. */
	| 'suggestion'
	/** An adviser's change that is not a suggestion. */
	| 'suggest-only'
	/** A new paragraph in suggestion mode. */
	| 'new-paragraph'
	/** The text is adopted: nothing changes. */
	| 'adopted'
	/** Something the editor never makes (the document's shape, app/domain/document-shape.ts). */
	| 'malformed'
	/** The document is at its maximum size. */
	| 'full'

export type Refusal = { code: RefusalCode; message: string }

const SENTENCES: Record<Exclude<RefusalCode, 'frozen' | 'malformed'>, string> = {
	status: 'Only the Chair or the Secretariat sets the status of a paragraph.',
	bracket: 'Brackets are added with “Bracket selected words” and removed only when the Chair resolves them.',
	suggestion: 'Suggestions are made in your delegation’s name; another delegation’s stays until the Chair accepts or rejects it.',
	'suggest-only': 'As an adviser you suggest changes: type, delete or paste, and your changes show as suggestions.',
	'new-paragraph': 'New paragraphs cannot be suggested; suggest the words inside a paragraph instead.',
	adopted: 'This text is adopted: it is final and cannot change.',
	full: 'This document has reached its maximum size: nothing more can be added. Ask the Secretariat.',
}

/** A refusal with its sentence. `frozen` names the paragraph's status; `malformed` says what was wrong. */
export function refusal(code: 'malformed', why: string): Refusal
export function refusal(code: Exclude<RefusalCode, 'malformed'>, status?: ParagraphStatus): Refusal
export function refusal(code: RefusalCode, detail?: string): Refusal {
	if (code === 'frozen') {
		const label = PARAGRAPH_STATUS_LABELS[(detail as ParagraphStatus | undefined) ?? 'agreed'].toLowerCase()
		return { code, message: `That paragraph is ${label}: its text cannot change until the Chair reopens it.` }
	}
	if (code === 'malformed') return { code, message: detail ?? 'The editor does not make that change.' }
	return { code, message: SENTENCES[code] }
}
