// The socket.io 4 peer of the Bifrost benchmark: the same room semantics as Bifrost's chat and
// signal relay, so that the load generator drives both identically.
//
//   node --expose-gc server.mjs [--port N] [--host H] [--adapter memory|redis|redis-streams]
//                               [--redis redis://host:port] [--recovery MILLISECONDS]
//   (or PORT, HOST, ADAPTER, REDIS_URL, RECOVERY in the environment; flags win)
//
// A client names its room in the connect packet's auth ({"room": "r"}) or in the query (?room=r),
// and is in it before the server acknowledges the connect. A "chat" event with a text goes to
// everyone in the room, the sender included, as {seq, from, text, ts} (Bifrost's chat message),
// and is acknowledged with {seq} when the client asked for an acknowledgement.
//
// Signals, as Bifrost relays them: "offer" and "answer" ({to, sdp}) and "candidate" ({to,
// candidate}) go to the socket whose id is `to`, as {from, sdp} or {from, candidate}, and are
// acknowledged with {} (or {error: "not-found"} when `to` is not in the sender's room; with a Redis
// adapter the peer relays without that check). A client whose auth has {"announce": true} is told
// who is in the room ("participants", [ids]) and the room is told it joined ("participant-joined",
// {id}), as Bifrost tells everyone; the chat scenarios leave it off, so their joins stay quiet.
//
// --recovery turns on socket.io's connection state recovery for that long: a client that comes
// back with its pid and last offset in the auth gets what it missed. GET /memory answers
// process.memoryUsage() after a full collection, when node runs with --expose-gc.
import { createServer } from "node:http";
import { Server } from "socket.io";

const options = parseOptions(process.argv.slice(2), process.env);
const MAX_TEXT = 4096; // Bifrost's limit, in UTF-16 code units

const SIGNALS = ["offer", "answer", "candidate"];

const httpServer = createServer((req, res) => {
  if (req.url === "/memory") {
    const collected = typeof global.gc === "function";
    if (collected) global.gc();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ collected, ...process.memoryUsage() }));
    return;
  }
  res.writeHead(req.url === "/healthz" ? 200 : 404).end();
});

const io = new Server(httpServer, {
  // Only the websocket transport: the generator opens it directly, as Bifrost's clients do.
  transports: ["websocket"],
  serveClient: false,
  perMessageDeflate: false,
  ...(options.recovery > 0 && {
    connectionStateRecovery: { maxDisconnectionDuration: options.recovery, skipMiddlewares: true },
  }),
});

const redisClients = [];
if (options.adapter === "redis" || options.adapter === "redis-streams") {
  const { createClient } = await import("redis");
  const client = createClient({ url: options.redis });
  client.on("error", (err) => console.error("socket.io peer: redis:", err.message));
  await client.connect();
  redisClients.push(client);
  if (options.adapter === "redis") {
    const { createAdapter } = await import("@socket.io/redis-adapter");
    const subscriber = client.duplicate();
    subscriber.on("error", (err) => console.error("socket.io peer: redis:", err.message));
    await subscriber.connect();
    redisClients.push(subscriber);
    io.adapter(createAdapter(client, subscriber));
  } else {
    const { createAdapter } = await import("@socket.io/redis-streams-adapter");
    io.adapter(createAdapter(client));
  }
} else if (options.adapter !== "memory") {
  fail(`unknown adapter '${options.adapter}' (memory, redis or redis-streams)`);
}

// Each node numbers its rooms' messages itself: with an adapter the numbers are per node, not
// one order for the whole room as in Bifrost's cluster mode.
const sequences = new Map();

io.on("connection", (socket) => {
  const room = roomOf(socket.handshake);
  if (!room) {
    socket.disconnect(true);
    return;
  }
  socket.join(room);
  socket.on("chat", (text, ack) => {
    if (typeof text !== "string" || text.length === 0 || text.length > MAX_TEXT) {
      if (typeof ack === "function") ack({ error: "bad-request" });
      return;
    }
    const seq = (sequences.get(room) ?? 0) + 1;
    sequences.set(room, seq);
    io.to(room).emit("chat", { seq, from: socket.id, text, ts: Date.now() });
    if (typeof ack === "function") ack({ seq });
  });
  for (const kind of SIGNALS) {
    socket.on(kind, (signal, ack) => {
      const reply = typeof ack === "function" ? ack : () => {};
      const body = kind === "candidate" ? signal?.candidate : signal?.sdp;
      const valid = kind === "candidate" ? body === null || typeof body === "object" : typeof body === "string";
      if (typeof signal?.to !== "string" || !valid) return reply({ error: "bad-request" });
      if (!inRoom(room, signal.to)) return reply({ error: "not-found" });
      io.to(signal.to).emit(kind, kind === "candidate" ? { from: socket.id, candidate: body } : { from: socket.id, sdp: body });
      reply({});
    });
  }
  if (socket.handshake.auth?.announce === true) {
    announce(socket, room).catch((err) => console.error("socket.io peer: announcing a join failed:", err.message));
  }
});

// Whether the socket `id` is in `room`: known on this node only, so with a Redis adapter a signal
// is relayed without asking the other nodes.
function inRoom(room, id) {
  return options.adapter !== "memory" || io.of("/").adapter.rooms.get(room)?.has(id) === true;
}

async function announce(socket, room) {
  const ids = options.adapter === "memory"
    ? [...(io.of("/").adapter.rooms.get(room) ?? [])]
    : (await io.in(room).fetchSockets()).map((s) => s.id);
  socket.emit("participants", ids.filter((id) => id !== socket.id));
  socket.to(room).emit("participant-joined", { id: socket.id });
}

httpServer.listen(options.port, options.host, () => {
  const { port } = httpServer.address();
  // The readiness line that bench/run and the smoke test wait for.
  console.log(`socket.io peer ready on ${options.host}:${port} adapter=${options.adapter}`);
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  io.close();
  await Promise.allSettled(redisClients.map((client) => client.quit()));
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

function roomOf(handshake) {
  const room = handshake.auth?.room ?? handshake.query?.room;
  return typeof room === "string" && room.length > 0 && room.length <= 128 ? room : null;
}

function parseOptions(args, env) {
  const result = {
    port: Number(env.PORT ?? 0),
    host: env.HOST ?? "127.0.0.1",
    adapter: env.ADAPTER ?? "memory",
    redis: env.REDIS_URL ?? "redis://127.0.0.1:6379",
    recovery: Number(env.RECOVERY ?? 0),
  };
  for (let i = 0; i < args.length; i += 2) {
    const [name, value] = [args[i], args[i + 1]];
    if (value === undefined) fail(`${name} needs a value`);
    if (name === "--port") result.port = Number(value);
    else if (name === "--host") result.host = value;
    else if (name === "--adapter") result.adapter = value;
    else if (name === "--redis") result.redis = value;
    else if (name === "--recovery") result.recovery = Number(value);
    else fail(`unknown option ${name}`);
  }
  if (!Number.isInteger(result.port) || result.port < 0 || result.port > 65535) fail(`bad port ${result.port}`);
  if (!Number.isInteger(result.recovery) || result.recovery < 0) fail(`bad recovery ${result.recovery} (milliseconds)`);
  return result;
}

function fail(message) {
  console.error(`socket.io peer: ${message}`);
  process.exit(2);
}
