import { HostAllowList, hostName } from './host-check';

describe('the Host allow-list', () => {
  const list = new HostAllowList(['api', 'LB', 'queue-board']);

  it.each([
    '127.0.0.1',
    '127.0.0.1:3000',
    '127.9.8.7:1',
    'localhost',
    'LOCALHOST:3000',
    'localhost.:3000',
    'app.localhost:3000',
    '[::1]',
    '[::1]:3000',
    'api:3000',
    'lb',
    'queue-board:3001',
  ])('allows %s', (host) => {
    expect(list.allows(host)).toBe(true);
  });

  it.each([
    undefined,
    '',
    'rebind.attacker.example',
    'rebind.attacker.example:3000',
    'localhost.attacker.example',
    '127.0.0.1.attacker.example',
    '128.0.0.1',
    '10.0.0.1:3000',
    '0.0.0.0',
    '[::2]:3000',
    '[::ffff:127.0.0.1]',
    'api.attacker.example',
    'user@localhost',
    'localhost:3000/evil',
    'localhost:99999999',
  ])('refuses %s', (host) => {
    expect(list.allows(host)).toBe(false);
  });

  it('strips the port and a trailing dot', () => {
    expect(hostName('Example.COM.:8080')).toBe('example.com');
    expect(hostName('[::1]:80')).toBe('::1');
  });
});
