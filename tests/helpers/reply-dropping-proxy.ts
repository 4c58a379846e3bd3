/**
 * A TCP proxy between ioredis and a redis-server that swallows one chosen reply and cuts the
 * connection, so the command ran on Redis but the client never heard back: ioredis then
 * reconnects and sends it again (autoResendUnfulfilledCommands, on by default). Tests use
 * it to prove that a Lua step is harmless when it runs twice. It parses both directions to
 * pair each reply with its command: RESP2 and RESP3, pipelined, split across chunks; RESP3
 * push frames (`>`) and attributes (`|`) answer no command and are not counted.
 */
import { createServer, connect, type Socket } from 'node:net';

export type ReplyDroppingProxy = {
  port: number;
  url: string;
  /**
   * Arms one drop: the reply to the next command sent after this call for which `match`
   * is true is swallowed, and both sockets of its connection are destroyed. `match` gets
   * the command's arguments with the name upper-cased (`['EVALSHA', sha, '1', key, …]`).
   * A NOSCRIPT error is never dropped (the script did not run; ioredis's EVAL comes next).
   * Resolves with the dropped command's arguments once the drop happened.
   * In an ioredis pipeline, match its first command: ioredis resends a whole pipeline
   * whose first reply is missing, but aborts (rejects) the rest of one cut in the middle.
   */
  dropNextReplyTo(match: (command: string[]) => boolean): Promise<string[]>;
  /** Closes the listener and every connection; an armed drop that never happened rejects. */
  stop(): Promise<void>;
};

type Armed = { afterSequence: number; match: (command: string[]) => boolean; resolve: (command: string[]) => void; reject: (error: Error) => void };

// In RESP3 these commands are answered only by push frames; in RESP2 by arrays we cannot
// tell from published messages, so a RESP2 connection that subscribes is no longer tracked.
const answeredByPushes = new Set(['SUBSCRIBE', 'PSUBSCRIBE', 'SSUBSCRIBE', 'UNSUBSCRIBE', 'PUNSUBSCRIBE', 'SUNSUBSCRIBE']);

/**
 * Where the RESP value starting at `at` ends, or -1 when `bytes` does not hold all of it yet.
 * Both streams are read as latin1 strings: one character per byte, so lengths are byte counts.
 */
export function frameEnd(bytes: string, at: number): number {
  if (at >= bytes.length) return -1;
  const lineEnd = bytes.indexOf('\r\n', at);
  if (lineEnd < 0) return -1;
  const type = bytes[at];
  const length = Number(bytes.slice(at + 1, lineEnd));
  let next = lineEnd + 2;
  switch (type) {
    case '+': case '-': case ':': case '_': case '#': case ',': case '(':
      return next;
    case '$': case '!': case '=':
      if (length < 0) return next;
      return bytes.length >= next + length + 2 ? next + length + 2 : -1;
    case '*': case '~': case '>': case '%': case '|': {
      const elements = length < 0 ? 0 : type === '%' || type === '|' ? length * 2 : length;
      for (let i = 0; i < elements; i++) {
        next = frameEnd(bytes, next);
        if (next < 0) return -1;
      }
      return next;
    }
    default:
      // Streamed strings and aggregates (`$?`, `*?`) are RESP3 features Redis does not send.
      throw new Error(`reply-dropping proxy: unsupported RESP type ${JSON.stringify(type)}`);
  }
}

/** The arguments of one complete client command (an array of bulk strings, or an inline line). */
function commandArgs(bytes: string, at: number, end: number): string[] {
  const utf8 = (from: number, to: number) => Buffer.from(bytes.slice(from, to), 'latin1').toString('utf8');
  if (bytes[at] !== '*') return utf8(at, end - 2).trim().split(/\s+/);
  const args: string[] = [];
  let next = bytes.indexOf('\r\n', at) + 2;
  while (next < end) {
    const lineEnd = bytes.indexOf('\r\n', next);
    const length = Number(bytes.slice(next + 1, lineEnd));
    args.push(utf8(lineEnd + 2, lineEnd + 2 + length));
    next = lineEnd + 2 + length + 2;
  }
  if (args.length > 0) args[0] = args[0]!.toUpperCase();
  return args;
}

/** Where a complete client command ends: a RESP array, or an inline line (redis-cli, telnet). */
function commandEnd(bytes: string, at: number): number {
  if (bytes[at] === '*') return frameEnd(bytes, at);
  const lineEnd = bytes.indexOf('\r\n', at);
  return lineEnd < 0 ? -1 : lineEnd + 2;
}

export async function startReplyDroppingProxy(targetPort: number): Promise<ReplyDroppingProxy> {
  const sockets = new Set<Socket>();
  let armed: Armed | undefined;
  let sequence = 0;

  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    // Commands sent and not yet answered on this connection, oldest first.
    const pending: { args: string[]; sequence: number }[] = [];
    // Bytes not yet parsed (client) or not yet forwarded (server), as latin1 strings.
    let fromClient = '';
    let fromServer = '';
    let resp3 = false;
    let tracked = true;
    // Set while the replies before the dropped one flush: the upstream's close must not cut them off.
    let cutting = false;
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', () => cutting || close()).on('error', () => cutting || close());

    client.setEncoding('latin1');
    upstream.setEncoding('latin1');
    client.on('data', (chunk: string) => {
      if (cutting) return;
      upstream.write(chunk, 'latin1');
      if (!tracked) return;
      fromClient += chunk;
      let at = 0;
      for (let end = commandEnd(fromClient, at); end > 0; end = commandEnd(fromClient, at)) {
        const args = commandArgs(fromClient, at, end);
        at = end;
        const name = args[0] ?? '';
        if (name === 'HELLO') resp3 = args[1] === '3';
        if (name === 'MONITOR' || (answeredByPushes.has(name) && !resp3)) {
          tracked = false;
          return;
        }
        if (!answeredByPushes.has(name)) pending.push({ args, sequence: ++sequence });
      }
      fromClient = fromClient.slice(at);
    });

    // Only complete frames go on to the client, so a reply we may drop is never half sent.
    upstream.on('data', (chunk: string) => {
      fromServer += chunk;
      if (!tracked) {
        client.write(fromServer, 'latin1');
        fromServer = '';
        return;
      }
      let at = 0;
      for (let end = frameEnd(fromServer, at); end > 0; at = end, end = frameEnd(fromServer, at)) {
        if (fromServer[at] === '>' || fromServer[at] === '|') continue; // a push or an attribute
        const command = pending.shift();
        if (command === undefined || armed === undefined || command.sequence <= armed.afterSequence) continue;
        if (fromServer.startsWith('-NOSCRIPT', at) || !armed.match(command.args)) continue;
        const { resolve } = armed;
        armed = undefined;
        // The replies before it arrive; this one and everything after it never do.
        cutting = true;
        upstream.destroy();
        client.end(fromServer.slice(0, at), 'latin1', close);
        resolve(command.args);
        return;
      }
      if (at > 0) client.write(fromServer.slice(0, at), 'latin1');
      fromServer = fromServer.slice(at);
    });
  });

  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('reply-dropping proxy: no port');
  return {
    port: address.port,
    url: `redis://127.0.0.1:${address.port}`,
    dropNextReplyTo(match) {
      if (armed) return Promise.reject(new Error('reply-dropping proxy: a drop is already armed'));
      return new Promise((resolve, reject) => (armed = { afterSequence: sequence, match, resolve, reject }));
    },
    async stop() {
      armed?.reject(new Error('reply-dropping proxy stopped before a matching reply arrived'));
      armed = undefined;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
