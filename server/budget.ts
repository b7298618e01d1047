/**
 * A token bucket for what one connection sends: messages and bytes, each refilling at a steady
 * rate up to a burst. `take` spends what a message costs and says how long the sender must wait
 * before the next one fits (0 when it fits now); the transport stops reading the socket for that
 * long (back-pressure), so a client that floods slows only itself. Time is passed in, so tests
 * need no clock.
 */
export type BudgetLimits = { messagesPerS: number; messagesBurst: number; bytesPerS: number; bytesBurst: number }

export class SendBudget {
	private messages: number
	private bytes: number
	private last: number

	constructor(
		private readonly limits: BudgetLimits,
		now: number,
	) {
		this.messages = limits.messagesBurst
		this.bytes = limits.bytesBurst
		this.last = now
	}

	/** Whether at least half of both allowances is there again (the sender is within its budget). */
	get rested(): boolean {
		return this.messages >= this.limits.messagesBurst / 2 && this.bytes >= this.limits.bytesBurst / 2
	}

	/** Spends one message of `size` bytes; returns the milliseconds until the budget is back above zero. */
	take(size: number, now: number): number {
		const elapsedS = Math.max(0, now - this.last) / 1000
		this.last = now
		const { messagesPerS, messagesBurst, bytesPerS, bytesBurst } = this.limits
		this.messages = Math.min(messagesBurst, this.messages + elapsedS * messagesPerS) - 1
		this.bytes = Math.min(bytesBurst, this.bytes + elapsedS * bytesPerS) - size
		const waitS = Math.max(0, -this.messages / messagesPerS, -this.bytes / bytesPerS)
		return Math.ceil(waitS * 1000)
	}
}
