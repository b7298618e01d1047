import type { Framing } from './client.ts'

/** What one generator worker process runs: its share of a typing scenario's clients. */
export type WorkerSpec = {
	workerIndex: number
	framing: Framing
	handshake: boolean
	echo: boolean
	/** Seeds by name (the worker applies the one a client names before connecting). */
	seeds: Record<string, Uint8Array>
	/** Per document: its name, the seed it starts from, and its typists' client ids (all workers). */
	documents: Record<string, { seed: string; typists: number[] }>
	clients: ClientSpec[]
	connectConcurrency: number
}

export type ClientSpec = {
	clientID: number
	doc: string
	url: string
	token?: string
	/** Applies the seed before connecting (floor: everyone; in-memory servers: the first client). */
	seeded: boolean
	/** Connects first, alone, so that an in-memory server gets the content before the others join. */
	seeder: boolean
	typist: { rate: number; block: number } | null
	name: string
	color: string
}

export type ToWorker =
	| { type: 'init'; spec: WorkerSpec }
	| { type: 'connect'; group: 'seeders' | 'rest' }
	| { type: 'start'; t0: number; measureFrom: number; durationMs: number; heartbeat: 'spread' | 'phase'; phaseAt: number }
	| { type: 'settle'; expected: Record<number, number>; sendTimes: Record<number, Float64Array>; timeoutMs: number }
	| { type: 'close' }

export type WindowStats = {
	sent: number
	received: number
	sentBytes: number
	receivedBytes: number
	cpuSeconds: number
	/** Of which in the kernel (socket syscalls, mostly). */
	systemCpuSeconds: number
	eventLoopDelayP50: number
	eventLoopDelayP99: number
	eventLoopDelayMax: number
	/** How late keystrokes left compared with their plan (a generator falling behind). */
	typingLagP99: number
	typingLagMax: number
	windowMs: number
}

export type FromWorker =
	| { type: 'ready' }
	| { type: 'connected'; group: string; clients: number; failed: number; retries: number; ms: number; failures: string[] }
	| { type: 'typed'; sendTimes: Record<number, Float64Array>; skipped: number; window: WindowStats }
	| {
			type: 'result'
			latencies: Float64Array
			/** Keystrokes sent during the warm-up (before measureFrom): reported apart. */
			warmupLatencies: Float64Array
			receivedPairs: number
			expectedPairs: number
			settledMs: number
			/** Per document: digest of the body → number of clients with it, and how many have every keystroke. */
			digests: Record<string, Record<string, number>>
			complete: Record<string, number>
			unexpectedCloses: { code: number; reason: string }[]
			permissionDenied: number
			savedAcks: number
			syncStatusAcks: number
	  }
	| { type: 'error'; message: string }
