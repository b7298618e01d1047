/**
 * Hocuspocus 3.4 in memory, as its docs set it up, but on an HTTP server we create and bind to
 * 127.0.0.1 ourselves: its Server.listen() passes `address` where Node expects `host` and so
 * binds every interface. This mirrors @hocuspocus/server's Server class (upgrade → ws →
 * handleConnection) without its listen().
 * Env: PORT, HOST (127.0.0.1).
 */
import { createServer } from 'node:http'
import { Hocuspocus } from '@hocuspocus/server'
import { WebSocketServer } from 'ws'

const host = process.env.HOST ?? '127.0.0.1'
const port = Number(process.env.PORT ?? 0)

const hocuspocus = new Hocuspocus({ quiet: true, name: 'bench' })
const httpServer = createServer((_req, res) => res.end('hocuspocus'))
const wss = new WebSocketServer({ noServer: true })

wss.on('connection', (ws, request) => {
	ws.on('error', (error) => console.error('hocuspocus socket error:', error.message))
	hocuspocus.handleConnection(ws, request)
})
httpServer.on('upgrade', (request, socket, head) => {
	wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request))
})

httpServer.listen(port, host, () => {
	const address = httpServer.address()
	console.log(`hocuspocus listening on ${host}:${typeof address === 'object' && address ? address.port : port}`)
})
process.on('SIGTERM', () => process.exit(0))
