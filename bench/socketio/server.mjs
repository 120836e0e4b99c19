// The socket.io 4 peer of the Bifrost benchmark: the same room semantics as Bifrost's chat, so that
// the load generator drives both identically.
//
//   node server.mjs [--port N] [--host H] [--adapter memory|redis|redis-streams] [--redis redis://host:port]
//   (or PORT, HOST, ADAPTER, REDIS_URL in the environment; flags win)
//
// A client names its room in the connect packet's auth ({"room": "r"}) or in the query (?room=r),
// and is in it before the server acknowledges the connect. A "chat" event with a text goes to
// everyone in the room, the sender included, as {seq, from, text, ts} (Bifrost's chat message),
// and is acknowledged with {seq} when the client asked for an acknowledgement.
import { createServer } from "node:http";
import { Server } from "socket.io";

const options = parseOptions(process.argv.slice(2), process.env);
const MAX_TEXT = 4096; // Bifrost's limit, in UTF-16 code units

const httpServer = createServer((req, res) => {
  res.writeHead(req.url === "/healthz" ? 200 : 404).end();
});

const io = new Server(httpServer, {
  // Only the websocket transport: the generator opens it directly, as Bifrost's clients do.
  transports: ["websocket"],
  serveClient: false,
  perMessageDeflate: false,
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
});

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
  };
  for (let i = 0; i < args.length; i += 2) {
    const [name, value] = [args[i], args[i + 1]];
    if (value === undefined) fail(`${name} needs a value`);
    if (name === "--port") result.port = Number(value);
    else if (name === "--host") result.host = value;
    else if (name === "--adapter") result.adapter = value;
    else if (name === "--redis") result.redis = value;
    else fail(`unknown option ${name}`);
  }
  if (!Number.isInteger(result.port) || result.port < 0 || result.port > 65535) fail(`bad port ${result.port}`);
  return result;
}

function fail(message) {
  console.error(`socket.io peer: ${message}`);
  process.exit(2);
}
