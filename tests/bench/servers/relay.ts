/**
 * The floor: a bare WebSocket relay. Every binary frame is re-sent, undecoded, to the other
 * sockets that connected with the same URL path. No document, no awareness, no handshake:
 * the cost of moving the bytes, which no sync server can beat.
 * Env: PORT, HOST (127.0.0.1).
 */
import { createServer } from 'node:http'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'

const host = process.env.HOST ?? '127.0.0.1'
const port = Number(process.env.PORT ?? 0)
const rooms = new Map<string, Set<WebSocket>>()
const httpServer = createServer((_req, res) => res.end('relay'))
const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: false })

wss.on('connection', (ws, request) => {
	const path = (request.url ?? '/').split('?')[0]!
	let room = rooms.get(path)
	if (!room) rooms.set(path, (room = new Set()))
	room.add(ws)
	ws.on('message', (data: RawData, isBinary: boolean) => {
		if (!isBinary) return
		for (const other of room) if (other !== ws && other.readyState === other.OPEN) other.send(data as Buffer, { binary: true })
	})
	ws.on('close', () => {
		room.delete(ws)
		if (room.size === 0) rooms.delete(path)
	})
	ws.on('error', () => ws.terminate())
})

httpServer.listen(port, host, () => {
	const address = httpServer.address()
	console.log(`relay listening on ${host}:${typeof address === 'object' && address ? address.port : port}`)
})
process.on('SIGTERM', () => process.exit(0))
