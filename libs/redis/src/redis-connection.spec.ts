import { Logger } from '@nestjs/common';
import { clusterOptions, createRedis, redisOptions } from './redis-connection';

describe('redisOptions', () => {
  it('connects to REDIS_URL without sentinels', () => {
    const options = redisOptions({
      redisUrl: 'redis://u:p%40ss@cache:6380/2',
      redisSentinel: null,
      redisCluster: null,
    });
    expect(options).toMatchObject({
      host: 'cache',
      port: 6380,
      username: 'u',
      password: 'p@ss',
      db: 2,
    });
    expect(options.sentinels).toBeUndefined();
  });

  it('asks the sentinels for the primary, keeping the URL credentials and db', () => {
    const options = redisOptions({
      redisUrl: 'rediss://:secret@ignored:6379/1',
      redisSentinel: {
        sentinels: [{ host: 's1', port: 26379 }],
        name: 'flash',
        password: 'sentinel-pass',
      },
      redisCluster: null,
    });
    expect(options).toMatchObject({
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'flash',
      sentinelPassword: 'sentinel-pass',
      password: 'secret',
      db: 1,
      tls: {},
      enableTLSForSentinelMode: true,
    });
    expect(options.host).toBeUndefined();
  });
});

describe('createRedis', () => {
  it('reports a connection that keeps failing once, not at every retry', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const redis = createRedis(
      {
        redisUrl: 'redis://127.0.0.1:1',
        redisSentinel: null,
        redisCluster: null,
      },
      'probe',
    );
    redis.disconnect();
    // What ioredis emits at each failed reconnection while Redis is away.
    for (let i = 0; i < 3; i++) redis.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:1'));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toBe('probe: connect ECONNREFUSED 127.0.0.1:1 (reconnecting)');
    warn.mockRestore();
  });
});

describe('clusterOptions', () => {
  it("gives every node REDIS_URL's credentials and TLS, and sends commands to primaries", () => {
    const options = clusterOptions(
      {
        redisUrl: 'rediss://user:p%40ss@ignored:6379',
        redisSentinel: null,
        redisCluster: { nodes: [{ host: '127.0.0.1', port: 7000 }] },
      },
      { connectionName: 'x' },
    );
    expect(options.scaleReads).toBe('master');
    expect(options.redisOptions).toEqual({
      username: 'user',
      password: 'p@ss',
      tls: {},
      connectionName: 'x',
    });
  });
});
