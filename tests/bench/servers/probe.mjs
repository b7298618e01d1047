// Preloaded (node --import) into every benchmarked server process, unchanged servers included:
// answers {type:'memory'} on the IPC channel with process.memoryUsage() after a full GC
// (the process runs with --expose-gc), so the benchmark can report heap per document.
// Plain JavaScript so it also loads into y-websocket's CommonJS server without tsx.
import v8 from 'node:v8'

if (process.send) {
	process.on('message', (message) => {
		// Diagnostics: a heap snapshot of the server, written where asked.
		if (message?.type === 'snapshot') {
			const file = v8.writeHeapSnapshot(message.file)
			process.send({ type: 'snapshot', id: message.id, file })
			return
		}
		if (!message || message.type !== 'memory') return
		if (typeof globalThis.gc === 'function') {
			globalThis.gc()
			globalThis.gc()
		}
		const usage = process.memoryUsage()
		const heap = v8.getHeapStatistics()
		process.send({ type: 'memory', id: message.id, usage, heap: { used: heap.used_heap_size, total: heap.total_heap_size } })
	})
	// The channel must not keep a server alive that wants to exit.
	process.channel?.unref()
}
