import type { DelegationKind, DelegationRole, DocumentAccess } from './permissions.ts'
import type { RuleResult } from './result.ts'

/**
 * Comment threads and delegation positions (issue 5), pure, shared by the routes and the page.
 *
 * - Everyone who reads a document comments on it, observers included: comments go through the
 *   app, never into the text, so commenting needs no write access to the document.
 * - A thread is resolved or reopened by its delegation, the Chair or the Secretariat.
 * - A position is a member state's on one operative paragraph, recorded by its head or a
 *   delegate for their own delegation. Consensus counts member states only.
 */
export const MAX_COMMENT_LENGTH = 5_000
export const MAX_POSITION_NOTE_LENGTH = 2_000

export type Commenter = { delegationId: string; delegationKind: DelegationKind; role: DelegationRole }

export function canComment(access: DocumentAccess): boolean {
	return access !== 'none'
}

export function canResolveThread(
	me: { delegationId: string; moderator: boolean },
	thread: { delegationId: string },
): boolean {
	return me.moderator || me.delegationId === thread.delegationId
}

export type PositionKind = 'SUPPORT' | 'CAN_LIVE_WITH' | 'RESERVATION' | 'AD_REF' | 'OBJECT'
export const POSITION_KINDS: readonly PositionKind[] = ['SUPPORT', 'CAN_LIVE_WITH', 'RESERVATION', 'AD_REF', 'OBJECT']

export const POSITION_LABELS: Record<PositionKind, string> = {
	SUPPORT: 'Support',
	CAN_LIVE_WITH: 'Can live with',
	RESERVATION: 'Reservation',
	AD_REF: 'Awaiting instructions (ad ref.)',
	OBJECT: 'Object',
}

/** Short forms for the matrix cells. */
export const POSITION_SHORT: Record<PositionKind, string> = {
	SUPPORT: '✓',
	CAN_LIVE_WITH: '≈',
	RESERVATION: 'R',
	AD_REF: 'AR',
	OBJECT: '✗',
}

export type { RuleResult }

/**
 * Who records a position for which delegation: a member state's head or delegate, for their
 * own delegation, on an operative paragraph; a reservation needs its text, an objection its reason.
 */
export function canRecordPosition(
	me: { delegationId: string; delegationKind: DelegationKind; role: DelegationRole },
	input: { delegationId: string; paragraphKind: 'operative' | 'preambular' | null; kind: PositionKind | null; note: string },
	// kind null: withdrawing a position (back to silence), under the same rules of who.
): RuleResult<'NotMemberState' | 'OtherDelegation' | 'NotOperative' | 'NoteRequired' | 'TooLong'> {
	if (me.delegationKind !== 'MEMBER' || (me.role !== 'HEAD' && me.role !== 'DELEGATE')) {
		return { ok: false, code: 'NotMemberState', message: 'Positions are recorded by the heads and delegates of member states.' }
	}
	if (me.delegationId !== input.delegationId) return { ok: false, code: 'OtherDelegation', message: 'You record positions for your own delegation only.' }
	if (input.paragraphKind !== 'operative') return { ok: false, code: 'NotOperative', message: 'Positions are taken on operative paragraphs.' }
	if ((input.kind === 'RESERVATION' || input.kind === 'OBJECT') && input.note.trim() === '') {
		return { ok: false, code: 'NoteRequired', message: input.kind === 'RESERVATION' ? 'Write the text of the reservation.' : 'Give the reason for the objection.' }
	}
	if (input.note.length > MAX_POSITION_NOTE_LENGTH) return { ok: false, code: 'TooLong', message: `A note holds at most ${MAX_POSITION_NOTE_LENGTH.toLocaleString('en')} characters.` }
	return { ok: true }
}

export type ConsensusState = 'consensus' | 'blocked' | 'pending'

/**
 * Where consensus stands on one paragraph: member states only (partners, observers and the
 * Secretariat may be shown but never count). One objection blocks; consensus when every member
 * state supports, can live with it, or supports with a reservation; otherwise pending (someone
 * is silent or awaits instructions).
 */
export function consensusOf(
	memberStateIds: readonly string[],
	positions: readonly { delegationId: string; kind: PositionKind }[],
): { state: ConsensusState; counts: Record<PositionKind | 'SILENT', number> } {
	const members = new Set(memberStateIds)
	const counts: Record<PositionKind | 'SILENT', number> = { SUPPORT: 0, CAN_LIVE_WITH: 0, RESERVATION: 0, AD_REF: 0, OBJECT: 0, SILENT: 0 }
	const byMember = new Map<string, PositionKind>()
	for (const p of positions) if (members.has(p.delegationId)) byMember.set(p.delegationId, p.kind)
	for (const id of members) counts[byMember.get(id) ?? 'SILENT']++
	const state: ConsensusState = counts.OBJECT > 0 ? 'blocked' : counts.SILENT + counts.AD_REF === 0 ? 'consensus' : 'pending'
	return { state, counts }
}

/**
 * The delegations a comment @mentions, by code (`@THA`, `@asec`), among those of the meeting;
 * unknown codes are left as text.
 */
export function parseMentions(body: string, codes: readonly string[]): string[] {
	const known = new Map(codes.map((c) => [c.toUpperCase(), c]))
	const found = new Set<string>()
	for (const match of body.matchAll(/(^|[^\p{L}\p{N}_])@([\p{L}\p{N}_]{2,12})/gu)) {
		const code = known.get(match[2]!.toUpperCase())
		if (code) found.add(code)
	}
	return [...found]
}

/** A thread awaits a delegation's answer when it was mentioned and has not written since. */
export function awaitsAnswer(
	delegationId: string,
	comments: readonly { delegationId: string; createdAt: Date | string; mentions: readonly string[] }[],
): boolean {
	let awaiting = false
	for (const c of [...comments].sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime())) {
		if (c.delegationId === delegationId) awaiting = false
		else if (c.mentions.includes(delegationId)) awaiting = true
	}
	return awaiting
}

/**
 * What a spreadsheet may read as the start of a formula: =, +, - and @ (and their full-width,
 * small and minus-sign forms, which some programs fold to them), or a tab or line break, after
 * any run of spaces, invisible or control characters (which programs trim before looking).
 */
const FORMULA_START = /^[\p{Z}\p{Cc}\p{Cf}\s]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20\uFE66\uFE62\uFE63\uFE6B\u2212\t\r\n]/u

/** One CSV field: quoted when needed; whatever a spreadsheet would run as a formula is defused. */
export function csvField(value: string | number | null | undefined): string {
	let text = value === null || value === undefined ? '' : String(value)
	if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`
	// Quoted also for a semicolon or a tab: spreadsheets set to a semicolon-separated locale split there.
	return /[",;\t\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}
