/**
 * `npm run bench`: Accord's sync server against its peers (issue 3). Each scenario runs every
 * selected server in turn, interleaved over repetitions (A B C D A B C D …), each run on a fresh
 * server process on 127.0.0.1; tables of medians and ratios go to stdout and
 * tests/output/bench/summary.md, every figure to tests/output/bench/results.json.
 *
 *   npm run bench                                full run (~45 min)
 *   npm run bench -- --quick                     10 s scenarios, 1 repetition, small S4/S5
 *   npm run bench -- --scenario S1,S4 --reps 3 --servers accord,yws
 *   options: --duration <s> (typing scenarios), --workers <n> (generator processes), --build (force the
 *   web build), --keep (keep data folders), --budget-min <n> (skip what would start later; full: 60),
 *   --phase-reps <n> (repetitions of S1h, default 2), --warmup <s> (unmeasured typing at the start of
 *   each typing run, default 2; longer on a machine much slower than usual, see docs/sync-performance-notebook.md, item 42)
 *   diagnostics (not for measured runs): BENCH_DUMP=<folder> (every arrival and send time of each
 *   typing run, one file per generator process), BENCH_SERVER_PROF, BENCH_SERVER_LOG,
 *   BENCH_NODE_ARGS (servers/launch.ts), BENCH_WORKER_ARGS (extra node flags for the generator processes,
 *   e.g. --trace-gc)
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { GROUP_COMMIT_WINDOW_MS, ROOM_UNLOAD_DELAY_MS } from '#app/domain/constants.ts'
import { installCleanup } from './lib/children.ts'
import { makeHistory, makeSeed, statementBlocks } from './lib/content.ts'
import {
	absolute,
	check,
	checkAtLeast,
	COLDJOIN_METRICS,
	MEMORY_METRICS,
	mediansOf,
	metricsTable,
	PERSISTENCE_METRICS,
	ratioTable,
	targetsTable,
	TYPING_METRICS,
	type Medians,
	type TargetCheck,
} from './lib/report.ts'
import { waitForQuiet } from './lib/proc.ts'
import { fmt } from './lib/stats.ts'
import { DEFAULT_VARIANTS, VARIANTS, type VariantKey } from './lib/variants.ts'
import { historyInfo, runColdJoin, type ColdJoinConfig, type ColdJoinResult } from './scenarios/coldjoin.ts'
import { runMemory, type MemoryConfig, type MemoryResult } from './scenarios/memory.ts'
import { runTyping, type TypingResult, type TypingScenario } from './scenarios/typing.ts'
import { randomRunId, ROOT } from './servers/launch.ts'

type ScenarioId = 'S1' | 'S1F' | 'S1h' | 'S2' | 'S3' | 'S4' | 'S5'
const ALL_SCENARIOS: ScenarioId[] = ['S1', 'S1F', 'S2', 'S3', 'S4', 'S5', 'S1h']

type Options = {
	quick: boolean
	scenarios: ScenarioId[]
	reps: number
	variants: VariantKey[]
	durationS: number | null
	workers: number | null
	build: boolean
	keep: boolean
	budgetMin: number | null
	phaseReps: number
	/** Unmeasured typing at the start of each typing run (WARMUP_MS unless --warmup). */
	warmupMs: number
}

function parseArgs(argv: string[]): Options {
	const value = (name: string) => {
		const i = argv.indexOf(name)
		return i >= 0 ? argv[i + 1] : undefined
	}
	const quick = argv.includes('--quick')
	const scenarios = (value('--scenario') ?? value('--scenarios'))?.split(',').map((s) => s.trim()) ?? ALL_SCENARIOS
	for (const s of scenarios) if (!ALL_SCENARIOS.includes(s as ScenarioId)) throw new Error(`unknown scenario ${s} (${ALL_SCENARIOS.join(', ')})`)
	let variants: VariantKey[] = DEFAULT_VARIANTS
	const servers = value('--servers')
	if (servers) {
		// A server name selects its default rows (accord: both Accord rows); a row key selects that row.
		const byServer: Record<string, VariantKey[]> = { floor: ['floor'], yws: ['yws'], hocuspocus: ['hocuspocus'], accord: ['accord', 'accord-own'] }
		variants = []
		for (const name of servers.split(',').map((s) => s.trim())) {
			const keys = byServer[name] ?? (name in VARIANTS ? [name as VariantKey] : null)
			if (!keys) throw new Error(`unknown server ${name} (floor, yws, hocuspocus, accord, or a row: ${Object.keys(VARIANTS).join(', ')})`)
			for (const k of keys) if (!variants.includes(k)) variants.push(k)
		}
		variants = (Object.keys(VARIANTS) as VariantKey[]).filter((k) => variants.includes(k))
	}
	const reps = Number(value('--reps') ?? (quick ? 1 : 3))
	const duration = value('--duration')
	const workers = value('--workers')
	const budget = value('--budget-min')
	return {
		quick,
		scenarios: scenarios as ScenarioId[],
		reps: Math.max(1, Math.floor(reps)),
		variants,
		durationS: duration ? Number(duration) : null,
		workers: workers ? Number(workers) : null,
		build: argv.includes('--build'),
		keep: argv.includes('--keep'),
		budgetMin: budget ? Number(budget) : quick ? null : 60,
		phaseReps: Number(value('--phase-reps') ?? 2),
		warmupMs: warmupSeconds(argv.includes('--warmup') ? (value('--warmup') ?? '') : undefined),
	}
}

/**
 * The issue's sizes, with its rates for 2 cores (S1 typists at 2 keys/s, S2 at 0.2, S3 at 1).
 * Durations are shortened to fit the whole run in ~45 minutes (the issue's S1 is 60 s). Each
 * starts with WARMUP_MS of typing that is not measured (a fresh process compiles its code then),
 * the same for every server.
 */
const WARMUP_MS = 2_000

function warmupSeconds(value: string | undefined): number {
	if (value === undefined) return WARMUP_MS
	const seconds = value.trim() === '' ? Number.NaN : Number(value)
	if (!Number.isFinite(seconds) || seconds < 0 || seconds > 60) throw new Error(`--warmup takes seconds between 0 and 60, not "${value}"`)
	return Math.round(seconds * 1000)
}

function typingScenarios(o: Options): Record<'S1' | 'S1F' | 'S1h' | 'S2' | 'S3', TypingScenario> {
	const d = (full: number) => 1000 * (o.durationS ?? (o.quick ? 10 : full))
	const w = (n: number) => o.workers ?? n
	const warmupMs = o.warmupMs
	return {
		S1: { id: 'S1', title: 'S1: one document (20,000 characters), 160 connected, 20 typing at 2 keys/s', docs: 1, clientsPerDoc: 160, typistsPerDoc: 20, rate: 2, durationMs: d(30), heartbeat: 'spread', warmupMs, workers: w(1) },
		// Issue 28: a client sending tiny updates as fast as its socket takes them, beside S1's typists (Accord only).
		S1F: { id: 'S1F', title: 'S1F: S1 with one client flooding the document with one-letter updates', docs: 1, clientsPerDoc: 160, typistsPerDoc: 20, rate: 2, durationMs: d(30), heartbeat: 'spread', warmupMs, workers: w(1), flooders: 1 },
		S1h: { id: 'S1h', title: 'S1 with heartbeats in phase (everyone joined together: 15 s awareness renewals coincide)', docs: 1, clientsPerDoc: 160, typistsPerDoc: 20, rate: 2, durationMs: d(20), heartbeat: 'phase', warmupMs, workers: w(1) },
		S2: { id: 'S2', title: 'S2: one document, 500 connected, 50 typing at 0.2 keys/s', docs: 1, clientsPerDoc: 500, typistsPerDoc: 50, rate: 0.2, durationMs: d(20), heartbeat: 'spread', warmupMs, workers: w(2) },
		S3: { id: 'S3', title: 'S3: 50 documents × 20 connected, 5 typing each at 1 key/s', docs: 50, clientsPerDoc: 20, typistsPerDoc: 5, rate: 1, durationMs: d(20), heartbeat: 'spread', warmupMs, workers: w(2) },
	}
}

function coldJoinConfig(o: Options): ColdJoinConfig {
	return o.quick ? { updates: 20_000, joins: 3, burst: 10 } : { updates: 100_000, joins: 5, burst: 50 }
}

function memoryConfig(o: Options): MemoryConfig {
	return o.quick ? { docs: 200, idleWaitMs: 12_000 } : { docs: 1_000, idleWaitMs: 30_000 }
}

/** Builds the web app when the build is missing or older than app/ (as server/main.ts would, but before any timing). */
function ensureBuild(force: boolean) {
	const entry = path.join(ROOT, 'build/server/index.js')
	const newest = (dir: string): number => {
		let n = 0
		for (const e of readdirSync(dir, { withFileTypes: true })) {
			if (e.name === 'generated') continue
			const full = path.join(dir, e.name)
			n = Math.max(n, e.isDirectory() ? newest(full) : statSync(full).mtimeMs)
		}
		return n
	}
	if (!force && existsSync(entry) && newest(path.join(ROOT, 'app')) <= statSync(entry).mtimeMs) return
	console.log('Building the web app (Accord serves it from the same process)…')
	const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/@react-router/dev/bin.js'), 'build', ROOT, '--config', path.join(ROOT, 'app/vite.config.ts'), '--logLevel', 'error'], {
		cwd: ROOT,
		stdio: ['ignore', 'ignore', 'inherit'],
		env: { ...process.env, NODE_ENV: 'production' },
	})
	if (r.status !== 0) throw new Error('react-router build failed')
}

const OUT = path.join(ROOT, 'tests/output/bench')

async function main() {
	installCleanup()
	const options = parseArgs(process.argv.slice(2))
	const started = Date.now()
	const deadline = options.budgetMin ? started + options.budgetMin * 60_000 : Number.POSITIVE_INFINITY
	const runId = randomRunId()
	const runsDir = path.join(OUT, 'runs', runId)
	mkdirSync(runsDir, { recursive: true })
	ensureBuild(options.build)
	const log = (line: string) => console.log(line)
	log(`Accord sync benchmark ${runId}: ${options.quick ? 'quick, ' : ''}${options.reps} repetition(s); scenarios ${options.scenarios.join(', ')}; rows ${options.variants.join(', ')}`)
	log(`Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`)

	const seedBytes = makeSeed(statementBlocks(20_000))
	const seed = { file: path.join(runsDir, 'statement.bin'), bytes: seedBytes }
	writeFileSync(seed.file, seedBytes)
	const s5SeedBytes = makeSeed(statementBlocks(15_000))
	const s5Seed = { file: path.join(runsDir, 's5-statement.bin'), bytes: s5SeedBytes }
	writeFileSync(s5Seed.file, s5SeedBytes)

	const typing = typingScenarios(options)
	const results = {
		runId,
		startedAt: new Date(started).toISOString(),
		finishedAt: null as string | null,
		machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGiB: os.totalmem() / 2 ** 30, node: process.version },
		options,
		constants: { GROUP_COMMIT_WINDOW_MS, ROOM_UNLOAD_DELAY_MS },
		seedBytes: seedBytes.length,
		scenarios: {} as Record<string, { config: unknown; runs: unknown[]; medians: Medians }>,
		skipped: [] as string[],
		errors: [] as string[],
	}
	const typingRuns: Record<string, TypingResult[]> = {}
	const coldRuns: ColdJoinResult[] = []
	const memoryRuns: MemoryResult[] = []
	const save = () => {
		mkdirSync(OUT, { recursive: true })
		writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(results, (_k, v) => (v instanceof Float64Array ? undefined : v), 2))
	}
	const overBudget = (what: string) => {
		if (Date.now() < deadline) return false
		results.skipped.push(`${what}: over the time budget of ${options.budgetMin} min`)
		log(`  skipped ${what}: over the time budget`)
		return true
	}
	const quiet = async () => {
		const q = await waitForQuiet()
		if (q.waitedMs > 500) log(`    (waited ${(q.waitedMs / 1000).toFixed(0)} s for the machine to be quiet; last second ${q.busyPercent.toFixed(0)} % of a core busy)`)
	}
	const runDirOf = (name: string) => path.join(runsDir, name)
	const cleanRunDir = (dir: string) => {
		if (!options.keep) rmSync(dir, { recursive: true, force: true })
	}

	const runTypingScenario = async (id: 'S1' | 'S1F' | 'S1h' | 'S2' | 'S3') => {
		const scenario = typing[id]
		log(`\n## ${scenario.title} — ${scenario.durationMs / 1000} s, ${scenario.workers} generator process(es)`)
		const runs: TypingResult[] = (typingRuns[id] = [])
		results.scenarios[id] = { config: scenario, runs, medians: {} }
		// The in-phase variant is the optional one ("if time allows"): fewer repetitions.
		const reps = id === 'S1h' ? Math.min(options.reps, options.phaseReps) : options.reps
		// The flood is Accord's budget at work: its peers have none, and are not measured under it.
		const variants = id === 'S1F' ? options.variants.filter((key) => VARIANTS[key].server === 'accord') : options.variants
		for (let rep = 1; rep <= reps; rep++) {
			for (const key of variants) {
				if (overBudget(`${id} ${key} rep ${rep}`)) continue
				const dir = runDirOf(`${id}-${key}-r${rep}`)
				log(`  ${id} rep ${rep}/${reps}: ${VARIANTS[key].label}`)
				try {
					await quiet()
					const r = await runTyping(scenario, VARIANTS[key], rep, seed, dir, log)
					runs.push(r)
					log(
						`    p50 ${fmt(r.latency.p50, 1)} ms, p99 ${fmt(r.latency.p99, 1)} ms, max ${fmt(r.latency.max)} ms; delivery ${fmt(100 * r.delivery, 2)} %, converged ${fmt(100 * r.convergence, 1)} %; server CPU ${fmt(r.serverCpuPercent)} %, RSS ${fmt(r.serverPeakRssMB)} MB; ${fmt(r.messagesInPerSecond)} msgs in/s, ${fmt(r.messagesOutPerSecond)} out/s${r.disconnects ? `; ${r.disconnects} dropped connections` : ''}${r.generator.saturated ? `; GENERATOR SATURATED (${r.generator.why.join(', ')})` : ''}; other processes ${fmt(r.otherCpuPercent)} % CPU`,
					)
					if (r.persistence) log(`    log: ${fmt(r.persistence.writesPerSecond, 1)} writes/s, ${fmt(r.persistence.bytesPerKeystroke, 1)} bytes/keystroke, ${r.persistence.checkpoints} checkpoints`)
				} catch (error) {
					const message = `${id} ${key} rep ${rep}: ${(error as Error).stack ?? error}`
					results.errors.push(message)
					log(`    FAILED: ${message}`)
				}
				cleanRunDir(dir)
				results.scenarios[id]!.medians = mediansOf(runs, [...TYPING_METRICS, ...PERSISTENCE_METRICS])
				save()
			}
		}
	}

	const runS4 = async () => {
		const config = coldJoinConfig(options)
		const variants = s4Variants(options.variants)
		log(`\n## S4: cold join of a document with a history of ${config.updates.toLocaleString('en-US')} updates (${config.joins} single joins, a burst of ${config.burst})`)
		const base = makeSeed([{ type: 'paragraph', kind: 'operative', text: 'Các nước thành viên nhất trí:' }])
		const history = historyInfo(base, makeHistory(base, config.updates))
		results.scenarios.S4 = { config, runs: coldRuns, medians: {} }
		for (let rep = 1; rep <= options.reps; rep++) {
			for (const key of variants) {
				if (overBudget(`S4 ${key} rep ${rep}`)) continue
				const dir = runDirOf(`S4-${key}-r${rep}`)
				log(`  S4 rep ${rep}/${options.reps}: ${VARIANTS[key].label}`)
				try {
					await quiet()
					const r = await runColdJoin(config, VARIANTS[key], rep, history, dir, log)
					coldRuns.push(r)
					log(
						`    ingest ${fmt(r.ingestPerSecond)} updates/s${r.durableIngestPerSecond ? ` (on disk ${fmt(r.durableIngestPerSecond)}/s)` : ''}; join ${fmt(r.joinLoaded.p50, 1)} ms${r.joinUnloaded ? `, from the database ${fmt(r.joinUnloaded.p50, 1)} ms` : ''}; burst of ${config.burst}: ${fmt(r.burstLoaded.max)} ms${r.burstUnloaded ? `, from the database ${fmt(r.burstUnloaded.max)} ms` : ''}${r.restartJoinMs !== null ? `; after restart ${fmt(r.restartJoinMs)} ms` : ''}`,
					)
				} catch (error) {
					const message = `S4 ${key} rep ${rep}: ${(error as Error).stack ?? error}`
					results.errors.push(message)
					log(`    FAILED: ${message}`)
				}
				cleanRunDir(dir)
				results.scenarios.S4.medians = mediansOf(coldRuns, COLDJOIN_METRICS)
				save()
			}
		}
	}

	const runS5 = async () => {
		const config = memoryConfig(options)
		const variants = s5Variants(options.variants)
		log(`\n## S5: ${config.docs.toLocaleString('en-US')} idle documents of ${(s5SeedBytes.length / 1024).toFixed(0)} KB, one connection each; then everyone leaves`)
		results.scenarios.S5 = { config, runs: memoryRuns, medians: {} }
		for (let rep = 1; rep <= options.reps; rep++) {
			for (const key of variants) {
				if (overBudget(`S5 ${key} rep ${rep}`)) continue
				const dir = runDirOf(`S5-${key}-r${rep}`)
				log(`  S5 rep ${rep}/${options.reps}: ${VARIANTS[key].label}`)
				try {
					await quiet()
					const r = await runMemory(config, VARIANTS[key], rep, s5Seed, dir, log)
					memoryRuns.push(r)
					log(`    per document: heap ${fmt(r.perDocLoaded.heapKB)} KB, RSS ${fmt(r.perDocLoaded.rssKB)} KB loaded; after idle: heap ${fmt(r.perDocAfterIdle.heapKB)} KB, RSS ${fmt(r.perDocAfterIdle.rssKB)} KB (heap MB after leaving: ${r.idleTimeline.map((p) => `${p.s.toFixed(0)} s ${p.heapMB.toFixed(0)}`).join(', ')})`)
				} catch (error) {
					const message = `S5 ${key} rep ${rep}: ${(error as Error).stack ?? error}`
					results.errors.push(message)
					log(`    FAILED: ${message}`)
				}
				cleanRunDir(dir)
				results.scenarios.S5.medians = mediansOf(memoryRuns, MEMORY_METRICS)
				save()
			}
		}
	}

	// In the order asked (S1h last by default: the budget cuts the optional variant first).
	for (const id of options.scenarios) {
		if (id === 'S4') await runS4()
		else if (id === 'S5') await runS5()
		else await runTypingScenario(id)
	}


	results.finishedAt = new Date().toISOString()
	save()
	const summary = renderSummary(options, typing, typingRuns, coldRuns, memoryRuns, results, (Date.now() - started) / 60_000)
	writeFileSync(path.join(OUT, 'summary.md'), summary)
	console.log(`\n${summary}`)
	console.log(`\nWritten: ${path.relative(ROOT, path.join(OUT, 'results.json'))}, ${path.relative(ROOT, path.join(OUT, 'summary.md'))}`)
	if (!options.keep) rmSync(runsDir, { recursive: true, force: true })
}

/** S4 needs a server with state; Accord's row is its own client (acknowledgements on). */
function s4Variants(selected: VariantKey[]): VariantKey[] {
	const out: VariantKey[] = []
	if (selected.includes('yws') || selected.includes('yws-noecho')) out.push('yws')
	if (selected.includes('hocuspocus')) out.push('hocuspocus')
	if (selected.includes('accord') || selected.includes('accord-own')) out.push('accord-own')
	return out
}

/** S5: documents held in memory, so not the relay; one Accord row (one idle client per document). */
function s5Variants(selected: VariantKey[]): VariantKey[] {
	const out: VariantKey[] = []
	if (selected.includes('yws') || selected.includes('yws-noecho')) out.push('yws')
	if (selected.includes('hocuspocus')) out.push('hocuspocus')
	if (selected.includes('accord') || selected.includes('accord-own')) out.push('accord')
	return out
}

function countReps(runs: { variant: string }[]): Record<string, number> {
	const n: Record<string, number> = {}
	for (const r of runs) n[r.variant] = (n[r.variant] ?? 0) + 1
	return n
}

function renderSummary(
	options: Options,
	typing: Record<string, TypingScenario>,
	typingRuns: Record<string, TypingResult[]>,
	coldRuns: ColdJoinResult[],
	memoryRuns: MemoryResult[],
	results: { runId: string; skipped: string[]; errors: string[]; machine: { cores: number; cpu?: string } },
	minutes: number,
): string {
	const out: string[] = []
	out.push(`# Sync server benchmark (${results.runId})`)
	out.push('')
	out.push(
		`${options.quick ? 'Quick run' : 'Full run'}: medians of ${options.reps} interleaved repetition(s), fresh server per run, 127.0.0.1, ${results.machine.cores} cores shared by the server and the load generator; ${minutes.toFixed(0)} min. ` +
			'Latency: a keystroke from its send to its application at each other client of the document. ' +
			'Rows marked echo use clients that re-send awareness on every remote change, as the official y-websocket and Hocuspocus providers do (yjs/yjs#732). ' +
			'The machine is shared and noisy: read the ratios, not the absolute times.',
	)
	out.push(
		'',
		'Notes:',
		'- Scaled to fit ~45 min on 2 cores: typing lasts 30 s (S1) and 20 s (S2, S3, S1h) instead of 60 s; rates as the issue scales them; S1h runs fewer repetitions.',
		`- Each typing run starts with ${options.warmupMs / 1000} s of typing that is not measured, the same for every server (a freshly started process compiles its code then${options.warmupMs === WARMUP_MS ? '' : `; ${WARMUP_MS / 1000} s unless --warmup, as here`}): latency, CPU, traffic and the generator's figures cover the window after it. "warm-up p99" is the latency of the keystrokes sent during it (few of them: ~80 at S1, ~20 at S2, so a couple of slow ones decide it); delivery, convergence and the persistence figures count every keystroke, the rates per second of all typing.`,
		'- All clients live in generator processes on the same 2 cores as the server: 1 process for S1 (160 clients), 2 for S2 (500) and S3 (1,000: in one process, its own queue made most of the tail and of the spread from run to run, docs/sync-performance-notebook.md, item 34). More processes than cores would only time-share. Every client applies every change it receives. A run is flagged when a generator process used ≥ 90 % of a core, or its event-loop delay or typing schedule lag p99 reached 50 ms: its own delays are then part of the latencies. "other CPU %" is what processes outside the benchmark used meanwhile (the machine is shared).',
		'- Floor: the relay keeps no document, so its clients start from the same seed and skip the sync handshake; they do not echo (a relay would multiply every echo by the room size).',
		'- Accord, echo: any y-websocket client, as the target rows require. Accord (own client): no echo, ?acks=1 (MESSAGE_SAVED acknowledgements), as its page runs.',
	)
	const allVariants = Object.keys(VARIANTS)
	const main: (typeof TYPING_METRICS)[number]['key'][] = ['p50', 'p99', 'max', 'cpu', 'msgIn', 'msgOut']
	const ratioMetrics = TYPING_METRICS.filter((m) => main.includes(m.key))
	for (const [id, runs] of Object.entries(typingRuns)) {
		if (runs.length === 0) continue
		const scenario = typing[id]!
		const medians = mediansOf(runs, [...TYPING_METRICS, ...PERSISTENCE_METRICS])
		out.push('', `## ${scenario.title}`, '', `${scenario.durationMs / 1000} s of typing, ${scenario.docs * scenario.clientsPerDoc} clients over ${scenario.workers} generator process(es).`, '')
		out.push(metricsTable(medians, TYPING_METRICS, allVariants, countReps(runs)))
		out.push('', ratioTable(medians, ratioMetrics, ['accord', 'accord-own'], ['floor', 'yws', 'yws-noecho', 'hocuspocus']))
		const saturated = runs.filter((r) => r.generator.saturated)
		if (saturated.length) {
			const byVariant = allVariants
				.map((v) => {
					const mine = runs.filter((r) => r.variant === v)
					const flagged = mine.filter((r) => r.generator.saturated)
					if (flagged.length === 0) return null
					const worst = (f: (r: TypingResult) => number[]) => fmt(Math.max(...flagged.flatMap(f)))
					return `${VARIANTS[v as VariantKey].label}: ${flagged.length} of ${mine.length} (worst event-loop delay p99 ${worst((r) => r.generator.eventLoopDelayP99)} ms, typing lag p99 ${worst((r) => r.generator.typingLagP99)} ms, CPU ${worst((r) => r.generator.cpuPercent)} %)`
				})
				.filter(Boolean)
			out.push('', `**Generator saturated** in ${saturated.length} of ${runs.length} runs; its own delays are then part of the latencies. ${byVariant.join('; ')}.`)
		}
		const drops = runs.filter((r) => r.disconnects > 0 || r.connectFailures > 0)
		if (drops.length) out.push('', `Dropped or refused connections: ${drops.map((r) => `${r.variant} rep ${r.rep}: ${r.disconnects} dropped ${JSON.stringify(r.disconnectCodes)}, ${r.connectFailures} refused`).join('; ')}.`)
		const m = medians
		const checks: TargetCheck[] = []
		if (id === 'S1' || id === 'S3') {
			checks.push(check('p99 Accord / y-websocket', m.accord?.p99, m.yws?.p99, 0.75))
			checks.push(check('p99 Accord / floor', m.accord?.p99, m.floor?.p99, 2))
			checks.push(check('p50 Accord / floor', m.accord?.p50, m.floor?.p50, 1.2))
			checks.push(check('server CPU Accord / y-websocket', m.accord?.cpu, m.yws?.cpu, 0.8))
			checks.push(absolute('delivery 100 %', m.accord?.delivery, (v) => v >= 100, `${fmt(m.accord?.delivery, 2)} %`))
			checks.push(absolute('convergence 100 %', m.accord?.convergence, (v) => v >= 100, `${fmt(m.accord?.convergence, 1)} %`))
		} else if (id === 'S1F') {
			const s1 = mediansOf(typingRuns.S1 ?? [], TYPING_METRICS)
			checks.push(check('p99 Accord with a flooding client / Accord in S1', m.accord?.p99, s1.accord?.p99, 1.5))
			checks.push(check('p99 Accord (own client) with a flood / in S1', m['accord-own']?.p99, s1['accord-own']?.p99, 1.5))
			checks.push(absolute('delivery 100 %', m.accord?.delivery, (v) => v >= 100, `${fmt(m.accord?.delivery, 2)} %`))
		} else if (id === 'S1h') {
			checks.push(check('p99 Accord / floor (heartbeats in phase)', m.accord?.p99, m.floor?.p99, 2))
		} else if (id === 'S2') {
			checks.push(check('p99 Accord / y-websocket', m.accord?.p99, m.yws?.p99, 0.5))
			checks.push(check('server CPU Accord / y-websocket', m.accord?.cpu, m.yws?.cpu, 1.0))
			checks.push(absolute('no disconnects', m.accord?.disconnects, (v) => v === 0, fmt(m.accord?.disconnects)))
			checks.push(absolute('convergence 100 %', m.accord?.convergence, (v) => v >= 100, `${fmt(m.accord?.convergence, 1)} %`))
		}
		if (checks.length) out.push('', 'Targets, for the Accord row with echoing clients:', '', targetsTable(checks))
		if (m.accord?.writesPerSecond !== undefined || m['accord-own']?.writesPerSecond !== undefined) {
			out.push('', `Persistence (Accord, update log on the embedded database; rows of one group-commit write share a transaction):`, '')
			out.push(metricsTable(medians, PERSISTENCE_METRICS, ['accord', 'accord-own'], countReps(runs)))
		}
	}
	if (coldRuns.length) {
		const m = mediansOf(coldRuns, COLDJOIN_METRICS)
		const first = coldRuns[0]!
		out.push('', `## S4: cold join of a document with a history of ${first.updates.toLocaleString('en-US')} small updates`, '')
		out.push(
			'Ingest: the history sent by one client, until an observer on the same document has it all (Accord: and until the server acknowledged it on disk). ' +
				'Join: a new client until it holds the whole document (received and applied); "from DB": Accord with nobody connected, so the room is unloaded and loads from its log and checkpoint. ' +
				'Burst: clients joining at once, until the last one has received the whole document (not applied: they all run in one process). ' +
				'Accord row: its own client (acknowledgements on). The relay has no document and is not in this table.',
			'',
		)
		out.push(metricsTable(m, COLDJOIN_METRICS, ['yws', 'hocuspocus', 'accord-own'], countReps(coldRuns), { yws: 'y-websocket 1.5.4', hocuspocus: 'Hocuspocus 3.4', 'accord-own': 'Accord (own client)' }))
		const a = m['accord-own']
		const checks = [
			check('join from the database, Accord / y-websocket in memory', a?.joinUnloaded, m.yws?.join, 1.5),
			check('burst from the database, Accord / y-websocket', a?.burstUnloaded, m.yws?.burst, 1.2),
			absolute('load after restart ≤ 1 s (first join after restart)', a?.restartJoin, (v) => v <= 1000, `${fmt(a?.restartJoin)} ms`),
			checkAtLeast('ingest rate with persistence (on disk), Accord / y-websocket', a?.durableIngest, m.yws?.ingest, 0.8),
		]
		out.push('', targetsTable(checks))
	}
	if (memoryRuns.length) {
		const m = mediansOf(memoryRuns, MEMORY_METRICS)
		const first = memoryRuns[0]!
		out.push('', `## S5: ${first.docs.toLocaleString('en-US')} idle documents of ${(first.documentBytes / 1024).toFixed(0)} KB`, '')
		out.push(
			'Server memory after a full GC (heap = V8 heap used), per document, compared with the same process before any connection; "loaded" includes each document\'s one idle connection. ' +
				`"After idle": once the heap stopped shrinking after every client left (at most ${(memoryConfig(options).idleWaitMs / 1000).toFixed(0)} s). Accord's RSS includes the embedded database (PGlite, ~290 MB of WebAssembly heap), whose own growth and shrinking make Accord's RSS per document noisy (even negative): read its heap.`,
			'',
		)
		out.push(metricsTable(m, MEMORY_METRICS, ['yws', 'hocuspocus', 'accord'], countReps(memoryRuns), { yws: 'y-websocket 1.5.4', hocuspocus: 'Hocuspocus 3.4', accord: 'Accord' }))
		out.push('', targetsTable([
			check('heap per idle loaded document, Accord / y-websocket', m.accord?.heapLoaded, m.yws?.heapLoaded, 1.0),
			absolute('idle documents unloaded (heap/doc after idle ≈ 0)', m.accord?.heapIdle, (v) => v < 5, `${fmt(m.accord?.heapIdle)} KB`),
		]))
	}
	out.push('', `Largest window of accepted edits a crash can lose on Accord's server: the group-commit window, GROUP_COMMIT_WINDOW_MS = ${GROUP_COMMIT_WINDOW_MS} ms.`)
	if (results.skipped.length) out.push('', `Skipped: ${results.skipped.join('; ')}.`)
	if (results.errors.length) out.push('', `Failed runs: ${results.errors.length} (see results.json).`)
	return out.join('\n')
}

main().then(
	// Sockets of closed clients may still wait out their close handshake: nothing left to do.
	() => process.exit(0),
	(error) => {
		console.error(error)
		process.exit(1)
	},
)
