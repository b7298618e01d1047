import { getDb } from '#app/utils/db.server.ts'

export async function loader() {
	try {
		await getDb().$queryRaw`SELECT 1`
		return Response.json({ status: 'ok' }, { headers: { 'Cache-Control': 'no-store' } })
	} catch (error) {
		console.error('healthz: database did not answer', error)
		return Response.json({ status: 'error', reason: 'database' }, { status: 503, headers: { 'Cache-Control': 'no-store' } })
	}
}
