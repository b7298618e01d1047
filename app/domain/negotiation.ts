import type { DelegationKind, DelegationRole, DocumentAccess } from './permissions.ts'
import type { RuleResult } from './result.ts'

/**
 * The rules of negotiating a text (issue 4; ../shared/DOMAIN.md "Negotiation practice"),
 * pure, shared by the page and the server.
 *
 * - A paragraph is open, agreed ad referendum (agreed by the room, subject to capitals) or
 *   agreed. Only the moderators (the Chair, the Secretariat) move it; a paragraph that is not
 *   open is frozen: nobody changes its text, brackets or attributes until the Chair reopens it.
 * - A bracket is a span of text a delegation does not accept yet, owned by that delegation,
 *   possibly with alternatives (each from a delegation); other delegations support the
 *   bracketed text or an alternative. Only a moderator resolves it.
 */
export type ParagraphStatus = 'open' | 'ad_ref' | 'agreed'
export const PARAGRAPH_STATUSES: readonly ParagraphStatus[] = ['open', 'ad_ref', 'agreed']

export const PARAGRAPH_STATUS_LABELS: Record<ParagraphStatus, string> = {
	open: 'Open',
	ad_ref: 'Agreed ad ref.',
	agreed: 'Agreed',
}

export function parseParagraphStatus(value: unknown): ParagraphStatus {
	return value === 'ad_ref' || value === 'agreed' ? value : 'open'
}

/** A paragraph that is not open is frozen: agreed ad referendum already binds the room. */
export function isFrozen(status: ParagraphStatus): boolean {
	return status !== 'open'
}

/** Who a person is in the negotiation of one document. */
export type NegotiationRole = 'chair' | 'secretariat' | 'delegate' | 'adviser' | 'reader' | 'none'

export type NegotiationParticipant = {
	delegationKind: DelegationKind
	role: DelegationRole
	/** The member state the delegation represents (null for the Secretariat, observers…). */
	stateCode: string | null
}

/**
 * The Chair is the head of the delegation of the chairing member state; the Secretariat acts
 * on the Chair's behalf. Everyone else who may edit is a delegate; an adviser (whatever the
 * delegation, the Secretariat included) only suggests; who may only read is a reader.
 */
export function getNegotiationRole(
	participant: NegotiationParticipant | null,
	access: DocumentAccess,
	meeting: { chairStateCode: string },
): NegotiationRole {
	if (!participant || access === 'none') return 'none'
	if (participant.role === 'ADVISER') return access === 'read' ? 'reader' : 'adviser'
	if (participant.delegationKind === 'SECRETARIAT') return 'secretariat'
	if (participant.delegationKind === 'MEMBER' && participant.role === 'HEAD' && participant.stateCode === meeting.chairStateCode) {
		return 'chair'
	}
	return access === 'edit' ? 'delegate' : 'reader'
}

export function canModerate(role: NegotiationRole): boolean {
	return role === 'chair' || role === 'secretariat'
}

/** Brackets, alternatives and support are a delegation's positions: not an adviser's to take. */
export function canEditText(role: NegotiationRole): boolean {
	return role === 'chair' || role === 'secretariat' || role === 'delegate'
}

export type { RuleResult }

const ok = { ok: true } as const

/** Moves allowed between statuses: forward to agreement, and reopening (recorded). */
const TRANSITIONS: Record<ParagraphStatus, readonly ParagraphStatus[]> = {
	open: ['ad_ref', 'agreed'],
	ad_ref: ['agreed', 'open'],
	agreed: ['open'],
}

/**
 * Agreed text is clean: a paragraph with brackets or suggestions left is not agreed (they could
 * not be resolved once it is frozen). `pending` counts what is left in the paragraph.
 */
export function canSetParagraphStatus(
	role: NegotiationRole,
	from: ParagraphStatus,
	to: ParagraphStatus,
	pending: { brackets: number; suggestions: number } = { brackets: 0, suggestions: 0 },
): RuleResult<'NotModerator' | 'Unchanged' | 'NotAllowed' | 'NotClean'> {
	if (!canModerate(role)) return { ok: false, code: 'NotModerator', message: 'Only the Chair or the Secretariat sets the status of a paragraph.' }
	if (from === to) return { ok: false, code: 'Unchanged', message: `The paragraph is already ${PARAGRAPH_STATUS_LABELS[to].toLowerCase()}.` }
	if (!TRANSITIONS[from].includes(to)) {
		return { ok: false, code: 'NotAllowed', message: `An agreed paragraph is reopened first; it cannot go back to ${PARAGRAPH_STATUS_LABELS[to].toLowerCase()}.` }
	}
	if (isFrozen(to) && (pending.brackets > 0 || pending.suggestions > 0)) {
		const left = [
			pending.brackets > 0 ? `${pending.brackets} bracket${pending.brackets === 1 ? '' : 's'}` : null,
			pending.suggestions > 0 ? `${pending.suggestions} suggestion${pending.suggestions === 1 ? '' : 's'}` : null,
		].filter(Boolean)
		return { ok: false, code: 'NotClean', message: `Resolve the ${left.join(' and ')} in this paragraph before it is agreed.` }
	}
	return ok
}

/** Longest text a bracket or an alternative may hold (a paragraph's worth). */
export const MAX_BRACKET_TEXT = 2_000

export function canBracket(role: NegotiationRole, status: ParagraphStatus, text: string): RuleResult<'NotDelegate' | 'Frozen' | 'Empty' | 'TooLong'> {
	if (!canEditText(role)) return { ok: false, code: 'NotDelegate', message: 'Your delegation can read this document but not bracket its text.' }
	if (isFrozen(status)) return { ok: false, code: 'Frozen', message: 'This paragraph is agreed: the Chair reopens it before anything is bracketed.' }
	if (text.trim() === '') return { ok: false, code: 'Empty', message: 'Select the words to bracket.' }
	if (text.length > MAX_BRACKET_TEXT) return { ok: false, code: 'TooLong', message: `A bracket holds at most ${MAX_BRACKET_TEXT.toLocaleString('en')} characters.` }
	return ok
}

export type BracketState = { status: 'open' | 'resolved'; paragraphStatus: ParagraphStatus }

export function canProposeAlternative(role: NegotiationRole, bracket: BracketState, text: string): RuleResult<'NotDelegate' | 'Closed' | 'Frozen' | 'Empty' | 'TooLong'> {
	if (!canEditText(role)) return { ok: false, code: 'NotDelegate', message: 'Your delegation can read this document but not propose text.' }
	if (bracket.status !== 'open') return { ok: false, code: 'Closed', message: 'This bracket has been resolved.' }
	if (isFrozen(bracket.paragraphStatus)) return { ok: false, code: 'Frozen', message: 'This paragraph is agreed.' }
	if (text.trim() === '') return { ok: false, code: 'Empty', message: 'Write the alternative text.' }
	if (text.length > MAX_BRACKET_TEXT) return { ok: false, code: 'TooLong', message: `An alternative holds at most ${MAX_BRACKET_TEXT.toLocaleString('en')} characters.` }
	return ok
}

/**
 * Support for the bracketed text or for one alternative, by a delegation that may edit. The
 * delegation that proposed it stands behind it already; a delegation supports it once.
 */
export function canSupport(
	role: NegotiationRole,
	bracket: BracketState,
	target: { proposerDelegationId: string; supporterDelegationIds: readonly string[] },
	delegationId: string,
): RuleResult<'NotDelegate' | 'Closed' | 'Frozen' | 'OwnProposal' | 'AlreadySupported'> {
	if (!canEditText(role)) return { ok: false, code: 'NotDelegate', message: 'Your delegation can read this document but not take part in brackets.' }
	if (bracket.status !== 'open') return { ok: false, code: 'Closed', message: 'This bracket has been resolved.' }
	if (isFrozen(bracket.paragraphStatus)) return { ok: false, code: 'Frozen', message: 'This paragraph is agreed.' }
	if (target.proposerDelegationId === delegationId) return { ok: false, code: 'OwnProposal', message: 'Your delegation proposed this text.' }
	if (target.supporterDelegationIds.includes(delegationId)) return { ok: false, code: 'AlreadySupported', message: 'Your delegation already supports this text.' }
	return ok
}

/** How a bracket ends: its text is kept, an alternative replaces it, or the words go. */
export type BracketResolution = { kind: 'keep' } | { kind: 'alternative'; alternativeId: string } | { kind: 'delete' }

export function canResolveBracket(role: NegotiationRole, bracket: BracketState): RuleResult<'NotModerator' | 'Closed' | 'Frozen'> {
	if (!canModerate(role)) return { ok: false, code: 'NotModerator', message: 'Only the Chair or the Secretariat resolves a bracket.' }
	if (bracket.status !== 'open') return { ok: false, code: 'Closed', message: 'This bracket has been resolved already.' }
	if (isFrozen(bracket.paragraphStatus)) return { ok: false, code: 'Frozen', message: 'Reopen the paragraph before resolving its brackets.' }
	return ok
}

/** The brackets left, per paragraph and in total: the text is clean when none remain. */
export function countBrackets(paragraphs: readonly { id: string; brackets: readonly unknown[] }[]): { total: number; byParagraph: Map<string, number> } {
	const byParagraph = new Map<string, number>()
	let total = 0
	for (const p of paragraphs) {
		if (p.brackets.length === 0) continue
		byParagraph.set(p.id, p.brackets.length)
		total += p.brackets.length
	}
	return { total, byParagraph }
}

export function isCleanText(paragraphs: readonly { brackets: readonly unknown[] }[]): boolean {
	return paragraphs.every((p) => p.brackets.length === 0)
}

/** Labels of preambular paragraphs, as the Chair sets them: none, or (a), (b) … (z), (aa) … */
export type PreambleStyle = 'none' | 'letters'

export function letterLabel(n: number): string {
	let s = ''
	let i = n
	while (i > 0) {
		const r = (i - 1) % 26
		s = String.fromCharCode(97 + r) + s
		i = Math.floor((i - 1) / 26)
	}
	return s
}
