import { CLOSE_EVENTS, type CloseEvent } from '#app/domain/close-codes.ts'
import { canReadDocument, getDocumentAccess, type DocumentAccess, type Framework, type Participation } from '#app/domain/permissions.ts'
import type { AccessSources } from '#app/domain/sync-admission.ts'
import type { Logger } from './connection.ts'

/** What a socket was let in on: the session behind it (cookie or token) and the access it got. */
export type Admission = {
	sessionId: string
	userId: string
	meeting: { id: string; framework: Framework }
	access: DocumentAccess
}

export type { AccessSources }

/**
 * Keeps every open sync socket to the terms it was admitted on (issue 29). A socket whose
 * session ended (logout, expiry) closes with 4401; one whose person left the meeting with 4403;
 * one whose access changed (an editor made an observer) with 4001, so that the page reconnects
 * under the new rules. Cookie and token sockets alike: a token is bound to its session.
 *
 * Changes made through the app are pushed here (sessionEnded, accessChanged) and act at once;
 * `sweep` checks every socket in one go (one query for all sessions, one per meeting) for what
 * changed elsewhere: another instance, the database itself, a session running out.
 */
export class AccessWatch<S> {
	private readonly admitted = new Map<S, Admission>()
	private sweeping: Promise<void> | null = null

	constructor(
		private readonly sources: AccessSources,
		private readonly close: (socket: S, event: CloseEvent) => void,
		private readonly logger: Logger,
	) {}

	get size() {
		return this.admitted.size
	}

	add(socket: S, admission: Admission) {
		this.admitted.set(socket, admission)
	}

	remove(socket: S) {
		this.admitted.delete(socket)
	}

	/** A session ended (or every session of a user): its sockets close now, no query needed. */
	sessionEnded({ userId, sessionId }: { userId: string; sessionId?: string }) {
		for (const [socket, admission] of [...this.admitted]) {
			if (admission.userId !== userId || (sessionId !== undefined && admission.sessionId !== sessionId)) continue
			this.drop(socket, CLOSE_EVENTS.loggedOut)
		}
	}

	/** Who takes part in a meeting changed: its sockets are checked against a fresh read. */
	accessChanged(meetingId: string): Promise<void> {
		this.sources.forget(meetingId)
		return this.check([...this.admitted].filter(([, a]) => a.meeting.id === meetingId))
	}

	/** Every socket, checked (a sweep already under way is joined, not doubled). */
	sweep(): Promise<void> {
		this.sweeping ??= this.check([...this.admitted]).finally(() => (this.sweeping = null))
		return this.sweeping
	}

	private async check(entries: [S, Admission][]) {
		if (entries.length === 0) return
		try {
			const sessions = await this.sources.liveSessions([...new Set(entries.map(([, a]) => a.sessionId))])
			const meetings = new Map<string, Map<string, { participation: Participation }>>()
			for (const id of new Set(entries.map(([, a]) => a.meeting.id))) meetings.set(id, await this.sources.participants(id))
			for (const [socket, admission] of entries) {
				if (!this.admitted.has(socket)) continue
				const session = sessions.get(admission.sessionId)
				if (!session || session.userId !== admission.userId) {
					this.drop(socket, CLOSE_EVENTS.sessionEnded)
					continue
				}
				const participant = meetings.get(admission.meeting.id)?.get(admission.userId)
				const access = getDocumentAccess(participant?.participation ?? null, admission.meeting)
				if (!canReadDocument(access)) this.drop(socket, CLOSE_EVENTS.noAccess)
				else if (access !== admission.access) this.drop(socket, CLOSE_EVENTS.accessChanged)
			}
		} catch (error) {
			// The database did not answer: the sockets stay as they are until the next check.
			this.logger.warn('[sync] checking open connections failed (kept open):', (error as Error).message)
		}
	}

	private drop(socket: S, event: CloseEvent) {
		this.admitted.delete(socket)
		this.close(socket, event)
	}
}
