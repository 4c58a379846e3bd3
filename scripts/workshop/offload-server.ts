/**
 * Lesson 1's web app, on node:http: one registration, two ways.
 *   POST /register-blocking  sends the welcome email inline, then answers 201 (about 1 s later)
 *   POST /register           sends the task send_registration_email, answers 202 at once with its id
 *   GET  /tasks/<id>         the task's state (PENDING until a worker has run it, then SUCCESS)
 * The body is optional JSON, `{"email": "ada@example.com"}`; without it a made-up address is used.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import app, { sendRegistrationEmail, sendWelcomeEmail } from './offload-app.ts';

export type OffloadServer = { url: string; port: number; close(): Promise<void> };

const maxBodyBytes = 4096;
const taskIdPattern = /^[\w-]{1,100}$/;

class BadRequest extends Error {}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(`${JSON.stringify(body)}\n`);
}

/** The address to welcome: the body's `email`, or a made-up one when there is no body. */
async function emailOf(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) {
    text += chunk;
    if (text.length > maxBodyBytes) throw new BadRequest(`the body is over ${maxBodyBytes} bytes; send {"email": "..."}`);
  }
  if (text.trim() === '') return `user-${Math.random().toString(36).slice(2, 10)}@example.com`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequest('the body is not JSON; send {"email": "ada@example.com"} or nothing');
  }
  const email = (parsed as { email?: unknown } | null)?.email;
  if (typeof email !== 'string' || !email.includes('@')) throw new BadRequest('the body needs "email", an address with an @');
  return email;
}

async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (request.method === 'POST' && path === '/register-blocking') {
    const email = await emailOf(request);
    // The user waits for the mail server: this response leaves only after the email.
    await sendWelcomeEmail(email);
    // If we crash here: the email has gone but the client hears nothing, as above.
    return reply(response, 201, { registered: email, emailSent: true });
  }
  if (request.method === 'POST' && path === '/register') {
    const email = await emailOf(request);
    // The email becomes a message on the queue; a worker sends it after we have answered.
    const result = await sendRegistrationEmail.delay(email);
    // If we crash here: the message is on the queue and the email goes out, but the client
    // never hears 202; if it registers again, that user gets two emails.
    return reply(response, 202, { registered: email, taskId: result.id, status: `/tasks/${result.id}` });
  }
  const task = /^\/tasks\/([^/]+)$/.exec(path);
  if (request.method === 'GET' && task) {
    if (!taskIdPattern.test(task[1]!)) throw new BadRequest('a task id is letters, digits, - and _');
    const record = await app.asyncResult(task[1]!).record();
    return reply(response, 200, { taskId: task[1], state: record?.state ?? 'PENDING', ...(record?.state === 'SUCCESS' ? { result: record.value } : {}) });
  }
  reply(response, 404, { error: 'try POST /register-blocking, POST /register or GET /tasks/<id>' });
}

/** Starts the web app on `port` (0: a free one) of 127.0.0.1. */
export async function startOffloadServer(port = 0): Promise<OffloadServer> {
  const server = createServer((request, response) => {
    route(request, response).catch((error: Error) => {
      if (error instanceof BadRequest) return reply(response, 400, { error: error.message });
      // A failed send (Redis down, say) is the server's problem, not the caller's: 503 and the reason.
      reply(response, 503, { error: error.message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
