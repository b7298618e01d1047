import type { DelegationRole, Meeting, User } from '#app/generated/prisma/client.ts'
import { compareDelegations } from '#app/domain/delegations.ts'
import { getDb } from '#app/utils/db.server.ts'
import { emitAccessChanged } from '#app/utils/session-events.server.ts'

/** Meetings the user takes part in, newest first, with their delegation in each. */
export async function listMeetingsForUser({ userId }: { userId: User['id'] }) {
	const memberships = await getDb().delegationMember.findMany({
		where: { userId },
		select: {
			role: true,
			delegation: {
				select: {
					code: true,
					name: true,
					kind: true,
					meeting: {
						select: {
							id: true, slug: true, title: true, shortTitle: true, city: true,
							startsOn: true, endsOn: true, framework: true, chairStateCode: true,
							_count: { select: { documents: true, delegations: true } },
						},
					},
				},
			},
		},
	})
	return memberships
		.map(({ role, delegation: { meeting, ...delegation } }) => ({ ...meeting, delegation: { ...delegation, role } }))
		.sort((a, b) => b.startsOn.getTime() - a.startsOn.getTime())
}

/** A meeting with its delegations and documents, and the user's place in it (null: not a participant). */
export async function getMeetingForUser({ slug, userId }: Pick<Meeting, 'slug'> & { userId: User['id'] }) {
	const meeting = await getDb().meeting.findUnique({
		where: { slug },
		select: {
			id: true, slug: true, title: true, shortTitle: true, city: true, timeZone: true,
			startsOn: true, endsOn: true, framework: true, chairStateCode: true,
			chair: { select: { code: true, name: true } },
			delegations: {
				select: {
					id: true, code: true, name: true, kind: true, stateCode: true,
					members: {
						select: { id: true, role: true, mayAnswer: true, user: { select: { id: true, name: true } } },
						orderBy: [{ role: 'asc' }, { createdAt: 'asc' }],
					},
				},
			},
			documents: { select: { id: true, slug: true, title: true, kind: true, updatedAt: true, adoptedRevisionId: true }, orderBy: { createdAt: 'asc' } },
		},
	})
	if (!meeting) return null
	meeting.delegations.sort(compareDelegations)
	let participation: { delegationId: string; delegationCode: string; delegationKind: (typeof meeting.delegations)[number]['kind']; role: 'HEAD' | 'DELEGATE' | 'ADVISER' } | null = null
	for (const delegation of meeting.delegations) {
		const member = delegation.members.find((m) => m.user.id === userId)
		if (member) {
			participation = { delegationId: delegation.id, delegationCode: delegation.code, delegationKind: delegation.kind, role: member.role }
			break
		}
	}
	return { meeting, participation }
}

/** The head of a delegation authorises (or stops authorising) a delegate to answer calls for approval. */
export async function setMayAnswer({ memberId, mayAnswer }: { memberId: string; mayAnswer: boolean }) {
	await getDb().delegationMember.update({ where: { id: memberId }, data: { mayAnswer } })
}

export function getMembership({ memberId }: { memberId: string }) {
	return getDb().delegationMember.findUnique({ where: { id: memberId }, select: { id: true, role: true, delegationId: true, delegation: { select: { meetingId: true } } } })
}

/**
 * Changes a person's role in their delegation (an adviser made a delegate, a delegate an
 * adviser). Their open sync sockets reconnect under the new rules at once.
 */
export async function setMemberRole({ memberId, role }: { memberId: string; role: DelegationRole }) {
	const member = await getDb().delegationMember.update({ where: { id: memberId }, data: { role }, select: { delegation: { select: { meetingId: true } } } })
	emitAccessChanged(member.delegation.meetingId)
}

/** Moves a person to another delegation of the same meeting (e.g. to an observer delegation). */
export async function moveMember({ memberId, delegationId }: { memberId: string; delegationId: string }) {
	const member = await getDb().delegationMember.findUniqueOrThrow({ where: { id: memberId }, select: { delegation: { select: { meetingId: true } } } })
	const target = await getDb().delegation.findUniqueOrThrow({ where: { id: delegationId }, select: { meetingId: true } })
	if (target.meetingId !== member.delegation.meetingId) throw new Error('A person moves only between delegations of one meeting')
	await getDb().delegationMember.update({ where: { id: memberId }, data: { delegationId } })
	emitAccessChanged(target.meetingId)
}

/** Removes a person from the meeting: their open sync sockets close at once. */
export async function removeMember({ memberId }: { memberId: string }) {
	const member = await getDb().delegationMember.delete({ where: { id: memberId }, select: { delegation: { select: { meetingId: true } } } })
	emitAccessChanged(member.delegation.meetingId)
}
