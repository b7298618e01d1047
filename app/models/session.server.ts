import type { Session, User } from '#app/generated/prisma/client.ts'
import { SESSION_TTL_MS } from '#app/domain/constants.ts'
import { getDb } from '#app/utils/db.server.ts'

export async function createSession({ userId }: { userId: User['id'] }) {
	return getDb().session.create({
		data: { userId, expiresAt: new Date(Date.now() + SESSION_TTL_MS) },
		select: { id: true, expiresAt: true },
	})
}

/** The signed-in user of a session, or null when it is unknown or expired. */
export async function getSessionUser({ id }: Pick<Session, 'id'>) {
	const session = await getDb().session.findUnique({
		where: { id },
		select: { expiresAt: true, user: { select: { id: true, email: true, name: true } } },
	})
	if (!session || session.expiresAt.getTime() <= Date.now()) return null
	return session.user
}

export async function deleteSession({ id }: Pick<Session, 'id'>) {
	await getDb().session.deleteMany({ where: { id } })
}

/** A session that is still valid: its user and when it ends; null when unknown or expired. */
export async function getLiveSession({ id }: Pick<Session, 'id'>) {
	const session = await getDb().session.findUnique({ where: { id }, select: { userId: true, expiresAt: true } })
	return session && session.expiresAt.getTime() > Date.now() ? session : null
}

/** Which of these sessions are still valid (one query for every open socket's session). */
export async function getLiveSessions(ids: readonly string[]): Promise<Map<string, { userId: string; expiresAt: Date }>> {
	if (ids.length === 0) return new Map()
	const rows = await getDb().session.findMany({ where: { id: { in: [...ids] }, expiresAt: { gt: new Date() } }, select: { id: true, userId: true, expiresAt: true } })
	return new Map(rows.map((r) => [r.id, { userId: r.userId, expiresAt: r.expiresAt }]))
}
