import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { RawHttpConnection, rawRequest } from './raw-http';

describe('RawHttpConnection', () => {
  let server: Server;
  let port: number;
  let connections = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (req.url === '/drop') {
          req.socket.destroy();
          return;
        }
        const status = Number(req.url?.slice(1)) || 200;
        // A long body arrives in several chunks; Node writes Content-Length in mixed case.
        const payload = JSON.stringify({
          echo: body,
          auth: req.headers.authorization,
          pad: 'x'.repeat(status === 299 ? 200_000 : 0),
        });
        res.writeHead(status, {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(payload),
        });
        res.end(payload);
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('sends prepared requests over one keep-alive socket and parses status and body', async () => {
    const connection = new RawHttpConnection('127.0.0.1', port);
    const host = `127.0.0.1:${port}`;
    for (const status of [202, 409, 401, 299, 200]) {
      const request = rawRequest(
        'POST',
        `/${status}`,
        host,
        { Authorization: 'Bearer t' },
        '{"quantity":1}',
      );
      const res = await connection.send(Buffer.from(request));
      expect(res.status).toBe(status);
      const body = JSON.parse(res.body.toString()) as { echo: string; auth: string; pad: string };
      expect(body).toMatchObject({ echo: '{"quantity":1}', auth: 'Bearer t' });
      expect(body.pad).toHaveLength(status === 299 ? 200_000 : 0);
    }
    expect(connections).toBe(1);
    connection.close();
  });

  it('rejects the request in flight when the socket closes, then reconnects', async () => {
    const connection = new RawHttpConnection('127.0.0.1', port);
    await expect(connection.send('GET / HTTP/1.1\r\nHost: x\r\n\r\n')).resolves.toMatchObject({
      status: 200,
    });
    await expect(connection.send('GET /drop HTTP/1.1\r\nHost: x\r\n\r\n')).rejects.toThrow(
      'connection closed',
    );
    await expect(connection.send('GET /201 HTTP/1.1\r\nHost: x\r\n\r\n')).resolves.toMatchObject({
      status: 201,
    });
    connection.close();
  });
});
