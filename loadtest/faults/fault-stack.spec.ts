import { parseServedBy } from './fault-stack';

describe('parseServedBy', () => {
  // Columns as HAProxy 2.6 names them (a subset, in its order); rows of other proxies and the
  // backend's own total are not instances.
  const csv = [
    '# pxname,svname,stot,eresp,wredis,status,hrsp_2xx,hrsp_4xx,hrsp_5xx',
    'api,FRONTEND,90,,,OPEN,80,10,0',
    'apis,api1,60,0,1,UP,55,5,0',
    'apis,api2,30,7,0,DOWN,25,5,0',
    'apis,BACKEND,90,7,1,UP,80,10,0',
    'stats,FRONTEND,1,,,OPEN,1,0,0',
    '',
  ].join('\n');

  it('gives each API instance of the apis backend, by name', () => {
    expect(parseServedBy(csv)).toEqual([
      {
        server: 'api1',
        status: 'UP',
        requests: 60,
        responses2xx: 55,
        responses4xx: 5,
        responses5xx: 0,
        redispatched: 1,
        responseErrors: 0,
      },
      {
        server: 'api2',
        status: 'DOWN',
        requests: 30,
        responses2xx: 25,
        responses4xx: 5,
        responses5xx: 0,
        redispatched: 0,
        responseErrors: 7,
      },
    ]);
  });
});
