import type { RawData, WebSocket } from 'ws'
import { CLOSE_EVENTS, type CloseEvent } from '#app/domain/close-codes.ts'
import { CLOSE_GRACE_MS, CONNECTION_OVER_BUDGET_MS, CONNECTION_PACE_MS, MAX_BUFFERED_BYTES, MAX_QUEUED_BYTES } from '#app/domain/constants.ts'
import { SendBudget, type BudgetLimits } from './budget.ts'
import type { SyncSocket } from './connection.ts'
import { framedOnce } from './framing.ts'
import { HEARTBEAT } from './protocol.ts'

/**
 * The WebSocket side of a connection: what a room sends goes out through WsSyncSocket (framed
 * once for all receivers, server/framing.ts); what the client sends comes in through its Inbox,
 * at the pace of its budget. `closeNow` and `canSend` keep a slow or stuck client from holding
 * memory.
 */

const BINARY = { binary: true } as const

/**
 * A room's view of a WebSocket. A class rather than an object of closures: the server runs
 * through tsx, whose compiler gives every named function its own property store,
 * and this object lives as long as the connection.
 *
 * Small messages go out already framed: a room hands the same message (or the same list of
 * them) to every receiver, so it is framed once (framedOnce) and each socket gets one plain
 * write of the same bytes, instead of `ws` framing it again per socket.
 */
export class WsSyncSocket implements SyncSocket {
	constructor(private readonly ws: WebSocket) {}

	send(data: Uint8Array) {
		this.write(data)
	}

	sendThen(data: Uint8Array, sent: () => void) {
		this.write(data, sent)
	}

	/**
	 * `sent`, if given, is called once the bytes are handed to the system (or the write failed:
	 * the close handler then cleans up, and a room sends nothing more to a closed connection).
	 */
	private write(data: Uint8Array, sent?: () => void) {
		if (!canSend(this.ws)) return
		const framed = framedOnce(data)
		const raw = framed && rawSocket(this.ws)
		if (raw) raw.write(framed, sent && (() => sent()))
		else this.ws.send(data, BINARY, sent && (() => sent()))
	}

	sendAll(frames: readonly Uint8Array[]) {
		if (!canSend(this.ws)) return
		const framed = framedOnce(frames)
		const raw = rawSocket(this.ws)
		if (framed && raw) return void raw.write(framed)
		// Corked, the frames leave in one write (one system call) instead of one each.
		raw?.cork()
		for (const frame of frames) this.ws.send(frame, BINARY)
		raw?.uncork()
	}

	close(code: number, reason: string) {
		closeNow(this.ws, { code, reason })
	}
}

/**
 * Closes with a code and reason, and ends the socket soon after without waiting for the client's
 * reply to the close: a paused socket (a client past its budget) would never read it, and its
 * reply waits behind whatever it sent that was not read. The room's clean-up runs on 'close'.
 */
export function closeNow(ws: WebSocket, { code, reason }: CloseEvent) {
	ws.close(code, reason)
	setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref()
}

/**
 * Whether a socket may be sent to. A client that cannot keep up (a dead link the OS has not
 * noticed yet) is cut off rather than buffered without limit; it resyncs when it reconnects.
 */
export function canSend(ws: WebSocket): boolean {
	if (ws.readyState !== ws.OPEN) return false
	if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
		ws.close(CLOSE_EVENTS.tooFarBehind.code, CLOSE_EVENTS.tooFarBehind.reason)
		return false
	}
	return true
}

type RawSocket = { cork(): void; uncork(): void; write(data: Uint8Array, callback?: () => void): boolean }

/** The TCP socket under a `ws` WebSocket (not in its typings; absent once it is closed). */
function rawSocket(ws: WebSocket): RawSocket | null {
	const raw = (ws as unknown as { _socket?: Partial<Record<keyof RawSocket, unknown>> })._socket
	return raw && typeof raw.cork === 'function' && typeof raw.uncork === 'function' && typeof raw.write === 'function' ? (raw as RawSocket) : null
}

/** Answers the page's heartbeat (within the connection's budget, like any other frame). */
export function answerHeartbeat(ws: WebSocket) {
	if (canSend(ws)) ws.send(HEARTBEAT, BINARY)
}

/**
 * What one connection sent, handed to its room at the pace of its budget (SendBudget). Within
 * the budget a frame goes straight through; past it, the socket stops being read and what was
 * already read waits here, taken in batches on a timer (at least CONNECTION_PACE_MS apart: a
 * batch is handled in one tick, so the room sends it on as one frame), and other connections'
 * frames are handled in between. Bounded: a connection whose waiting frames pass
 * MAX_QUEUED_BYTES, or that stays past its budget for CONNECTION_OVER_BUDGET_MS, is closed.
 */
export class Inbox {
	private readonly budget: SendBudget
	private readonly waiting: Uint8Array[] = []
	private waitingBytes = 0
	private timer: ReturnType<typeof setTimeout> | null = null
	/** Closing: nothing more it sent reaches the room. */
	private closed = false
	/** When this connection went past its budget and stayed there (null: within it). */
	private overSince: number | null = null

	constructor(
		private readonly ws: WebSocket,
		limits: BudgetLimits,
		private readonly receive: (frame: Uint8Array) => void,
	) {
		this.budget = new SendBudget(limits, performance.now())
	}

	push(frame: Uint8Array) {
		if (this.closed || this.ws.readyState !== this.ws.OPEN) return
		if (this.timer === null && this.waiting.length === 0) return this.take(frame)
		this.waiting.push(frame)
		this.waitingBytes += frame.length
		if (this.waitingBytes > MAX_QUEUED_BYTES) {
			this.clear()
			closeNow(this.ws, CLOSE_EVENTS.sendingTooFast)
		}
	}

	private take(frame: Uint8Array) {
		this.receive(frame)
		const now = performance.now()
		const wait = this.budget.take(frame.length, now)
		if (wait === 0) {
			if (this.budget.rested) this.overSince = null
			return
		}
		this.overSince ??= now
		if (now - this.overSince > CONNECTION_OVER_BUDGET_MS) {
			this.clear()
			closeNow(this.ws, CLOSE_EVENTS.sendingTooFast)
			return
		}
		if (this.ws.readyState === this.ws.OPEN) this.ws.pause()
		this.timer = setTimeout(this.drain, Math.max(wait, CONNECTION_PACE_MS))
	}

	private readonly drain = () => {
		this.timer = null
		// Closing (its access ended, it flooded): what it sent before is not taken any more.
		if (this.ws.readyState !== this.ws.OPEN) return this.clear()
		while (this.waiting.length > 0 && this.timer === null) {
			const frame = this.waiting.shift()!
			this.waitingBytes -= frame.length
			this.take(frame)
		}
		if (this.timer === null && this.ws.readyState === this.ws.OPEN) this.ws.resume()
	}

	clear() {
		this.closed = true
		if (this.timer) clearTimeout(this.timer)
		this.timer = null
		this.waiting.length = 0
		this.waitingBytes = 0
	}
}

export function toUint8Array(data: RawData): Uint8Array {
	if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data))
	if (data instanceof ArrayBuffer) return new Uint8Array(data)
	return data
}
