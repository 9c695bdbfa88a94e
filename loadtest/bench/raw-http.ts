import { Socket, connect } from 'node:net';

/**
 * A deliberately small HTTP/1.1 keep-alive client for load generation: one socket, one
 * request in flight, requests written as prepared bytes, responses parsed just enough
 * (status, Content-Length, body). On a 2-core machine the driver shares the CPU with the
 * system under test, so every microsecond it spends is taken from the API; a general
 * client such as undici costs several times more per request.
 * Fastify always answers with Content-Length, which is all this parser supports.
 */
export interface RawResponse {
  status: number;
  body: Buffer;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;
const CONTENT_LENGTH_LOWER = Buffer.from('\r\ncontent-length: ');

/** Content-Length of the response whose head ends at `headerEnd` (0 if absent). */
function contentLength(buffer: Buffer, headerEnd: number): number {
  // Fastify writes the header in lower case: find it without decoding the head.
  const at = buffer.indexOf(CONTENT_LENGTH_LOWER);
  if (at >= 0 && at < headerEnd) {
    let n = 0;
    for (let i = at + CONTENT_LENGTH_LOWER.length; i < headerEnd; i++) {
      const d = buffer[i] - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    return n;
  }
  const match = CONTENT_LENGTH.exec(buffer.toString('latin1', 0, headerEnd));
  return match ? Number(match[1]) : 0;
}

export class RawHttpConnection {
  private socket?: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private pending?: { resolve: (r: RawResponse) => void; reject: (e: Error) => void };

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  private open(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port, noDelay: true });
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('close', () => {
        if (this.socket === socket) this.socket = undefined;
        this.buffer = Buffer.alloc(0);
        this.pending?.reject(new Error('connection closed'));
        this.pending = undefined;
      });
    });
  }

  async send(request: Buffer | string): Promise<RawResponse> {
    if (!this.socket) {
      this.socket = await this.open();
      this.socket.on('error', () => undefined);
    }
    const socket = this.socket;
    return new Promise<RawResponse>((resolve, reject) => {
      this.pending = { resolve, reject };
      socket.write(request);
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headerEnd = this.buffer.indexOf(HEADER_END);
    if (headerEnd < 0 || !this.pending) return;
    const total = headerEnd + 4 + contentLength(this.buffer, headerEnd);
    if (this.buffer.length < total) return;
    // "HTTP/1.1 202 ..." : the status is bytes 9 to 11.
    const status =
      (this.buffer[9] - 48) * 100 + (this.buffer[10] - 48) * 10 + (this.buffer[11] - 48);
    const body = this.buffer.subarray(headerEnd + 4, total);
    this.buffer = this.buffer.length > total ? this.buffer.subarray(total) : Buffer.alloc(0);
    const pending = this.pending;
    this.pending = undefined;
    pending.resolve({ status, body });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }
}

/** The bytes of one request, with Host and Content-Length filled in. */
export function rawRequest(
  method: string,
  path: string,
  host: string,
  headers: Record<string, string>,
  body = '',
): string {
  let head = `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  if (body || method === 'POST') head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  return `${head}\r\n${body}`;
}
