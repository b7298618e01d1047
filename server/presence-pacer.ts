import {
	ECHO_PRESENCE_BUDGET_PER_S,
	ECHO_PRESENCE_GROUP_SIZE,
	ECHO_PRESENCE_GROUPS,
	ECHO_PRESENCE_MAX_INTERVAL_MS,
	PRESENCE_FRAMES_BUDGET_PER_S,
	PRESENCE_INTERVAL_MS,
	PRESENCE_WAIT_FOR_UPDATE_MS,
} from '#app/domain/constants.ts'
import { AWARENESS_RENEWAL_SPREAD_MS, encodeAwarenessEntries, type AwarenessEntry } from './awareness.ts'
import type { Connection } from './connection.ts'
import { encodeAwareness } from './protocol.ts'

/** Renewals due this close to each other go out in one flush. */
const RENEWALS_BATCH_MS = 50

/** How many connections of the whole process echo presence, and the frames a second they may be sent. */
export type EchoCensus = { echoing: number; budgetPerS: number }

/** AWARENESS_RENEWAL_FORWARD_MS, AWARENESS_RENEWAL_SPREAD_MS and ECHO_PRESENCE_GROUP_SIZE, unless a test sets others. */
export type PresenceSettings = { renewalForwardMs?: number; renewalSpreadMs?: number; echoGroupSize?: number; echoMaxIntervalMs?: number }

/** What the pacer needs of its room: how many are in it, and a flush (soon, or now for a due group). */
export interface PacedRoom {
	readonly connectionCount: number
	readonly destroyed: boolean
	scheduleFlush(): void
	flushPresence(due: 'prompt' | 'echo'): void
}

/** A flush's presence: the frame for the prompt connections, and the echoing group whose turn it is with its frame. */
export type PresenceTake = { prompt: Uint8Array | null; turn: number; echo: Uint8Array | null }

/**
 * When a room's presence goes out, and to whom. Presence goes out at most every
 * PRESENCE_INTERVAL_MS per room, the latest state of each client: the official providers answer
 * every presence frame they receive with one of their own (yjs/yjs#732), so each frame the
 * server sends costs as many incoming messages as there are such providers in the room. Once that
 * interval has passed, the next text update carries it (no extra write); with no typing, it goes
 * alone PRESENCE_WAIT_FOR_UPDATE_MS later. In a quiet room the first change goes at once.
 * Connections that echo get it on their own cadence, slowed when the whole process has many of
 * them (echoInterval), so the storm they make stays within ECHO_PRESENCE_BUDGET_PER_S, and in
 * ECHO_PRESENCE_GROUPS groups that take turns (nextEchoTurn), so that their echoes come back a
 * group at a time, not all at once. Text updates are never held back: the room sends them and
 * asks the pacer what presence rides along (`take`).
 */
export class PresencePacer {
	/** Presence waiting for the connections that do not echo it, and for each echoing group. */
	private readonly promptPresence = new PresenceCadence()
	private readonly echoPresence = Array.from({ length: ECHO_PRESENCE_GROUPS }, () => new PresenceCadence())
	private readonly echoGroupSizes = new Array<number>(ECHO_PRESENCE_GROUPS).fill(0)
	/** How many of the room's connections echo. */
	echoing = 0
	/** When an echoing group last had its turn, and the timer that gives the next one its turn alone. */
	private echoTurnAt = -Infinity
	private echoTimer: ReturnType<typeof setTimeout> | null = null
	/** Renewals of unchanged states, each with the moment it goes out, and the timer for the next. */
	private readonly renewals = new Map<number, { entry: AwarenessEntry; at: number }>()
	private renewalTimer: ReturnType<typeof setTimeout> | null = null
	private renewalTimerAt = Infinity

	constructor(
		private readonly room: PacedRoom,
		private readonly echoCensus: EchoCensus = { echoing: 0, budgetPerS: ECHO_PRESENCE_BUDGET_PER_S },
		private readonly settings: PresenceSettings = {},
	) {}

	/**
	 * A connection started echoing presence: from now on it gets what its group gets, starting
	 * with what waits for the prompt connections (which it no longer is).
	 */
	startEchoing(conn: Connection) {
		this.echoing++
		this.echoCensus.echoing++
		// The smallest group, of as many as a group per ECHO_PRESENCE_GROUP_SIZE connections needs.
		const open = Math.min(ECHO_PRESENCE_GROUPS, Math.ceil(this.echoing / (this.settings.echoGroupSize ?? ECHO_PRESENCE_GROUP_SIZE)))
		const sizes = this.echoGroupSizes.slice(0, open)
		conn.echoGroup = sizes.indexOf(Math.min(...sizes))
		this.echoGroupSizes[conn.echoGroup]!++
		this.echoPresence[conn.echoGroup]!.add(this.promptPresence.pending.values())
		this.echoPresence[conn.echoGroup]!.add(Array.from(this.renewals.values(), (r) => r.entry))
	}

	/** An echoing connection left. */
	stopEchoing(conn: Connection) {
		this.echoing--
		this.echoCensus.echoing--
		if (--this.echoGroupSizes[conn.echoGroup]! === 0) this.echoPresence[conn.echoGroup]!.clear()
		if (this.echoing === 0) this.clearEchoTimer()
	}

	/** Changed, renewed or removed states of the room's clients, to go out on their cadence. */
	queue(entries: AwarenessEntry[]) {
		if (entries.length === 0) return
		const now = performance.now()
		let changes = entries
		if (this.renewals.size > 0 || entries.some((e) => e.renewal)) {
			// A renewal waits for its moment (AWARENESS_RENEWAL_SPREAD_MS) before it goes to the
			// prompt connections; a change or a departure goes now and makes a waiting renewal of the
			// same client pointless. The echoing connections get it at once into their turns, which
			// already spread what they get: waiting for both, a renewal could reach them after the
			// official providers' 30 s timeout (ECHO_PRESENCE_MAX_INTERVAL_MS).
			// With no prompt connection, nothing waits (one that joins gets every state at once).
			changes = []
			const renewed: AwarenessEntry[] = []
			const spread = this.settings.renewalSpreadMs ?? AWARENESS_RENEWAL_SPREAD_MS
			const forPrompt = this.room.connectionCount > this.echoing
			let earliest = Infinity
			for (const entry of entries) {
				if (entry.renewal) {
					renewed.push(entry)
					if (!forPrompt) continue
					const at = now + Math.random() * spread
					this.renewals.set(entry.clientId, { entry, at })
					earliest = Math.min(earliest, at)
				} else {
					// A superseded renewal is just dropped; its timer finds nothing due and moves on.
					this.renewals.delete(entry.clientId)
					changes.push(entry)
				}
			}
			if (earliest < this.renewalTimerAt) this.scheduleRenewals(now)
			if (renewed.length > 0 && this.echoing > 0) this.queueEchoing(renewed, now)
		}
		this.queueChanges(changes, now)
	}

	/**
	 * The presence a flush sends: the prompt connections' if their interval has passed (or
	 * `due` says so), and one echoing group's, if its turn has come. With `withPresence` false
	 * (a tick's first change, sent at once), none.
	 */
	take(now: number, due: 'prompt' | 'echo' | null, withPresence: boolean): PresenceTake {
		if (!withPresence) return { prompt: null, turn: -1, echo: null }
		const prompt = this.promptPresence.take(now, this.promptInterval(this.room.connectionCount - this.echoing), due === 'prompt')
		const next = this.echoing > 0 ? this.nextEchoTurn(now, this.echoInterval(this.echoing)) : null
		if (!next || (next.wait > 0 && due !== 'echo')) return { prompt, turn: -1, echo: null }
		this.echoTurnAt = now
		const echo = this.echoPresence[next.group]!.take(now, 0, true)
		// The next group's turn comes no sooner than its share of the interval from now.
		this.clearEchoTimer()
		this.queueEchoTurn(now)
		return { prompt, turn: next.group, echo }
	}

	dispose() {
		this.promptPresence.dispose()
		for (const cadence of this.echoPresence) cadence.dispose()
		this.clearEchoTimer()
		if (this.renewalTimer) clearTimeout(this.renewalTimer)
		this.renewals.clear()
		// Its echoing connections no longer count against the process's budget, whenever they close.
		this.echoCensus.echoing -= this.echoing
		this.echoing = 0
		this.echoGroupSizes.fill(0)
	}

	/** The renewals whose moment has come (and those due within RENEWALS_BATCH_MS) go out together; the timer waits for the next. */
	private scheduleRenewals(now: number) {
		if (this.renewalTimer) clearTimeout(this.renewalTimer)
		this.renewalTimer = null
		let next = Infinity
		for (const { at } of this.renewals.values()) next = Math.min(next, at)
		this.renewalTimerAt = next
		if (next === Infinity) return
		this.renewalTimer = setTimeout(() => {
			this.renewalTimer = null
			this.renewalTimerAt = Infinity
			if (this.room.destroyed) return
			const now = performance.now()
			const due: AwarenessEntry[] = []
			for (const [clientId, { entry, at }] of this.renewals) {
				if (at > now + RENEWALS_BATCH_MS) continue
				this.renewals.delete(clientId)
				due.push({ clientId, clock: entry.clock, json: entry.json })
			}
			this.queueChanges(due, now, false)
			this.scheduleRenewals(now)
		}, Math.max(0, next - now))
	}

	/** `toEchoing` false: for the prompt connections only (a renewal, which the echoing ones got when it came). */
	private queueChanges(entries: AwarenessEntry[], now: number, toEchoing = true) {
		if (entries.length === 0) return
		const echoing = this.echoing
		const prompt = this.room.connectionCount - echoing
		if (prompt > 0) this.queuePrompt(entries, this.promptInterval(prompt), now)
		if (echoing > 0 && toEchoing) this.queueEchoing(entries, now)
	}

	private queueEchoing(entries: AwarenessEntry[], now: number) {
		for (let group = 0; group < ECHO_PRESENCE_GROUPS; group++) if (this.echoGroupSizes[group]! > 0) this.echoPresence[group]!.add(entries)
		this.queueEchoTurn(now)
	}

	/** The prompt group's presence: with the next flush once its interval has passed, else alone after it (or with text before). */
	private queuePrompt(entries: AwarenessEntry[], interval: number, now: number) {
		const cadence = this.promptPresence
		cadence.add(entries)
		const wait = cadence.sentAt + interval - now
		if (wait <= 0) return this.room.scheduleFlush()
		cadence.timer ??= setTimeout(() => {
			cadence.timer = null
			this.room.flushPresence('prompt')
		}, wait + PRESENCE_WAIT_FOR_UPDATE_MS)
	}

	/**
	 * The echoing group to get presence next: of those with something waiting, the one that got
	 * some longest ago, once its interval has passed and, since the last group's turn, a share of
	 * it (interval / ECHO_PRESENCE_GROUPS). `wait`: milliseconds until then; 0 or less: now.
	 */
	private nextEchoTurn(now: number, interval: number): { group: number; wait: number } | null {
		let group = -1
		let sentAt = Infinity
		for (let g = 0; g < ECHO_PRESENCE_GROUPS; g++) {
			const cadence = this.echoPresence[g]!
			if (this.echoGroupSizes[g]! > 0 && cadence.pending.size > 0 && cadence.sentAt < sentAt) {
				group = g
				sentAt = cadence.sentAt
			}
		}
		if (group < 0) return null
		return { group, wait: Math.max(sentAt + interval, this.echoTurnAt + interval / ECHO_PRESENCE_GROUPS) - now }
	}

	/** The next echoing group's turn: with the next flush if due, else alone after a wait (or with text before it). */
	private queueEchoTurn(now: number) {
		const interval = this.echoInterval(this.echoing)
		const next = this.nextEchoTurn(now, interval)
		if (!next) return
		if (next.wait <= 0) return this.room.scheduleFlush()
		// Slowed by the process's budget, presence waits as long again for text to ride with.
		const waitForUpdate = interval > this.promptInterval(this.echoing) ? interval : PRESENCE_WAIT_FOR_UPDATE_MS
		this.echoTimer ??= setTimeout(() => {
			this.echoTimer = null
			this.room.flushPresence('echo')
		}, next.wait + waitForUpdate)
	}

	private clearEchoTimer() {
		if (this.echoTimer) clearTimeout(this.echoTimer)
		this.echoTimer = null
	}

	/**
	 * How often a group of connections may get presence: every PRESENCE_INTERVAL_MS, and a large
	 * room less often, so that it sends at most PRESENCE_FRAMES_BUDGET_PER_S frames a second.
	 */
	private promptInterval(members: number): number {
		return Math.max(PRESENCE_INTERVAL_MS, (1000 * members) / PRESENCE_FRAMES_BUDGET_PER_S)
	}

	/**
	 * …and for echoing connections, also within the process's ECHO_PRESENCE_BUDGET_PER_S, but
	 * never so seldom that their copies of others' presence go stale (ECHO_PRESENCE_MAX_INTERVAL_MS).
	 */
	private echoInterval(members: number): number {
		const budgeted = Math.min((1000 * this.echoCensus.echoing) / this.echoCensus.budgetPerS, this.settings.echoMaxIntervalMs ?? ECHO_PRESENCE_MAX_INTERVAL_MS)
		return Math.max(this.promptInterval(members), budgeted)
	}
}

/**
 * The presence waiting for one group of a room's connections: the latest state of each client
 * changed since the group last got some, when that was, and the timer that sends it alone.
 */
class PresenceCadence {
	readonly pending = new Map<number, AwarenessEntry>()
	sentAt = -Infinity
	timer: ReturnType<typeof setTimeout> | null = null

	add(entries: Iterable<AwarenessEntry>) {
		for (const entry of entries) this.pending.set(entry.clientId, entry)
	}

	/** Forgets what waits (nobody left to send it to). */
	clear() {
		this.pending.clear()
		this.dispose()
	}

	/** The waiting states as one frame, if `interval` has passed since the last (or `due`); else null. */
	take(now: number, interval: number, due: boolean): Uint8Array | null {
		if (this.pending.size === 0 || (!due && now < this.sentAt + interval)) return null
		const frame = encodeAwareness(encodeAwarenessEntries(this.pending.values()))
		this.pending.clear()
		this.sentAt = now
		this.dispose()
		return frame
	}

	dispose() {
		if (this.timer) clearTimeout(this.timer)
		this.timer = null
	}
}
