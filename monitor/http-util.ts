/**
 * Small pieces every route uses: JSON replies, a request body read with a size bound, and
 * the error a bad request gets (400 with one line) versus a failure (500).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request the caller must fix: answered 400 (or `status`) with its message. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

const maxBodyBytes = 1_048_576;

export function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(body);
}

export function sendText(response: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(text);
}

/** The JSON object in the body; {} for an empty body. */
export async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new HttpError(413, `the body is over ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `the body is not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'the body must be a JSON object');
  return parsed as Record<string, unknown>;
}

export function isNoPermission(error: unknown): boolean {
  const { message, previousErrors } = error as { message?: string; previousErrors?: { message?: string }[] };
  return [message, ...(previousErrors ?? []).map((e) => e.message)].some((text) => /\bNOPERM\b/.test(text ?? ''));
}

/** Status for an error thrown by a route: the library's "fix the call" errors are the caller's. */
export function statusOf(error: unknown): number {
  if (error instanceof HttpError) return error.status;
  // The monitor's Redis user may not write (the monitor ACL role): the caller needs other
  // rights, not a retry. In a MULTI, Redis answers EXECABORT and ioredis keeps the NOPERM in previousErrors.
  if (isNoPermission(error)) return 403;
  const code = (error as { code?: unknown }).code;
  if (code === 'INVALID_OPTION' || code === 'UNKNOWN_TASK' || code === 'SERIALIZATION' || code === 'MESSAGE_TOO_LARGE') return 400;
  if (code === 'RESULT_TIMEOUT') return 504;
  return 500;
}
