import type { DelegationKind, DelegationRole } from './permissions.ts'

/**
 * Presence colours per delegation: fixed, distinct, dark enough for white caret labels and
 * legible on a projector. The same delegation always gets the same colour.
 */
const PALETTE = [
	'#92400e', '#c2410c', '#a16207', '#4d7c0f', '#047857', '#0e7490', '#1d4ed8', '#6d28d9',
	'#a21caf', '#be123c', '#3f3f46', '#0f766e', '#4338ca', '#0b4f8a', '#57534e', '#166534',
] as const

// ASEAN members, the +3 partners, the Secretariat and Australia each get their own colour.
const FIXED: Record<string, number> = {
	BRN: 0, KHM: 1, IDN: 2, LAO: 3, MYS: 4, MMR: 5, PHL: 6, SGP: 7, THA: 8, VNM: 9,
	CHN: 10, JPN: 11, KOR: 12, ASEC: 13, AUS: 14,
}

export function delegationColor(code: string): string {
	const fixed = FIXED[code]
	if (fixed !== undefined) return PALETTE[fixed]!
	let hash = 0
	for (const ch of code) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0
	return PALETTE[hash % PALETTE.length]!
}

export const DELEGATION_KIND_LABEL: Record<DelegationKind, string> = {
	MEMBER: 'Member state',
	PARTNER: 'Dialogue partner',
	OBSERVER: 'Observer',
	SECRETARIAT: 'Secretariat',
}

export const DELEGATION_ROLE_LABEL: Record<DelegationRole, string> = {
	HEAD: 'Head of delegation',
	DELEGATE: 'Delegate',
	ADVISER: 'Adviser (suggests changes)',
}

/** Order delegations as on a meeting's list: members, partners, secretariat, observers; by code. */
export function compareDelegations(
	a: { kind: DelegationKind; code: string },
	b: { kind: DelegationKind; code: string },
): number {
	const rank: Record<DelegationKind, number> = { MEMBER: 0, PARTNER: 1, SECRETARIAT: 2, OBSERVER: 3 }
	return rank[a.kind] - rank[b.kind] || a.code.localeCompare(b.code)
}
