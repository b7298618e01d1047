/**
 * Reads what a benchmark run left in Accord's update log, once the server has stopped:
 * per document, the log rows and their bytes (minus the initial-content row), the number of
 * distinct write transactions (rows of one group-commit write share `createdAt`, which
 * PostgreSQL sets to the transaction's start; two writes in the same millisecond count once),
 * and the checkpoints.
 * Usage: tsx tests/bench/accord/db-stats.ts <dataDir> <slug>…; prints JSON.
 */
import { openDatabase } from '#server/database.ts'

export type DocumentLogStats = {
	slug: string
	rows: number
	bytes: number
	writes: number
	firstAt: number | null
	lastAt: number | null
	checkpoints: number
	checkpointBytes: number
}

export type LogStats = {
	documents: DocumentLogStats[]
	/** Write transactions over all these documents (a process-wide group commit writes many documents at once). */
	writes: number
}

const [dataDir, ...slugs] = process.argv.slice(2)
const db = await openDatabase({ dataDir: dataDir!, migrate: false })
try {
	const out: DocumentLogStats[] = []
	const allWrites = new Set<number>()
	for (const slug of slugs) {
		const document = await db.prisma.document.findUnique({ where: { slug }, select: { id: true } })
		if (!document) continue
		const rows = await db.prisma.documentUpdate.findMany({
			where: { documentId: document.id },
			orderBy: { seq: 'asc' },
			select: { data: true, createdAt: true },
		})
		// The first row is the initial content written by the setup, not by the run.
		const written = rows.slice(1)
		for (const r of written) allWrites.add(r.createdAt.getTime())
		const checkpoints = await db.prisma.documentCheckpoint.findMany({ where: { documentId: document.id }, select: { state: true } })
		out.push({
			slug,
			rows: written.length,
			bytes: written.reduce((sum, r) => sum + r.data.length, 0),
			writes: new Set(written.map((r) => r.createdAt.getTime())).size,
			firstAt: written[0]?.createdAt.getTime() ?? null,
			lastAt: written.at(-1)?.createdAt.getTime() ?? null,
			checkpoints: checkpoints.length,
			checkpointBytes: checkpoints.reduce((sum, c) => sum + c.state.length, 0),
		})
	}
	const stats: LogStats = { documents: out, writes: allWrites.size }
	process.stdout.write(JSON.stringify(stats))
} finally {
	await db.close()
}
