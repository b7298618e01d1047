import type { ChildProcess } from 'node:child_process'

/**
 * Every process the benchmark starts (servers, generator workers, setup scripts) is registered
 * here, so that an error, Ctrl-C or SIGTERM never leaves one running.
 */
const live = new Set<ChildProcess>()

export function track<T extends ChildProcess>(child: T): T {
	live.add(child)
	child.once('exit', () => live.delete(child))
	return child
}

/** Ends one process: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
export function terminate(child: ChildProcess, graceMs = 20_000): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
	return new Promise((resolve) => {
		const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
		child.once('exit', () => {
			clearTimeout(timer)
			resolve()
		})
		child.kill('SIGTERM')
	})
}

/** Waits up to `ms` for a process to exit by itself, then terminates it. */
export async function exitOrTerminate(child: ChildProcess, ms: number): Promise<void> {
	if (child.exitCode === null && child.signalCode === null) {
		await new Promise<void>((resolve) => {
			const timer = setTimeout(resolve, ms)
			child.once('exit', () => {
				clearTimeout(timer)
				resolve()
			})
		})
	}
	await terminate(child, 5_000)
}

export function killAllNow() {
	for (const child of live) {
		try {
			child.kill('SIGKILL')
		} catch {
			// already gone
		}
	}
	live.clear()
}

let installed = false

/** Kills every tracked process when this one exits or is interrupted. */
export function installCleanup() {
	if (installed) return
	installed = true
	process.on('exit', killAllNow)
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
		process.on(signal, () => {
			console.error(`\n${signal}: stopping every server and worker…`)
			killAllNow()
			process.exit(130)
		})
	}
}
