import { getDb } from '#app/utils/db.server.ts'
import { isLiveDocumentsRunning } from '#app/utils/live-documents.server.ts'

/** How long the database may take to answer `SELECT 1` before the check counts it as down. */
const DATABASE_TIMEOUT_MS = 2_000

type Check = { ok: true } | { ok: false; error: string }

/**
 * `GET /healthz`: 200 `{ status: "ok", checks }` when the database answers and the sync server
 * runs; otherwise 503 `{ status: "error", failed: [names], checks }`, each failed check with its
 * reason. For load balancers and the person on call, so it names what failed.
 */
export async function loader() {
	const checks: Record<string, Check> = {
		database: await checkDatabase(),
		sync: isLiveDocumentsRunning() ? { ok: true } : { ok: false, error: 'the sync server is not running in this process' },
	}
	const failed = Object.entries(checks)
		.filter(([, c]) => !c.ok)
		.map(([name]) => name)
	const body = failed.length === 0 ? { status: 'ok', checks } : { status: 'error', failed, checks }
	return Response.json(body, { status: failed.length === 0 ? 200 : 503, headers: { 'Cache-Control': 'no-store' } })
}

class TimeoutError extends Error {}

async function checkDatabase(): Promise<Check> {
	let timer: ReturnType<typeof setTimeout> | undefined
	try {
		const timeout = new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new TimeoutError(`no answer within ${DATABASE_TIMEOUT_MS / 1000} s`)), DATABASE_TIMEOUT_MS)
		})
		await Promise.race([getDb().$queryRaw`SELECT 1`, timeout])
		return { ok: true }
	} catch (error) {
		// The detail (host names, users) goes to the log, not to whoever asks.
		console.error('healthz: the database did not answer:', error)
		return { ok: false, error: error instanceof TimeoutError ? error.message : 'the query failed' }
	} finally {
		clearTimeout(timer)
	}
}
