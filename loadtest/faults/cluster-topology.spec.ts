import { ownerOf } from './cluster-topology';

const NODES = [
  'a1 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460',
  'b2 127.0.0.1:7002@17002 master,fail - 1 1 2 connected 5461-10922',
  'c3 127.0.0.1:7003@17003 master - 0 1 3 connected 10923-16383 [42->-a1]',
  'd4 127.0.0.1:7004@17004 master - 0 1 7 connected 5461-10922',
  'e5 127.0.0.1:7005@17005 slave a1 0 1 1 connected',
].join('\n');

describe('ownerOf (CLUSTER NODES)', () => {
  it('names the live primary serving a slot', () => {
    expect(ownerOf(NODES, 0)).toBe(7001);
    expect(ownerOf(NODES, 16383)).toBe(7003);
  });

  it('skips a primary marked failed, for the replica promoted in its place', () => {
    expect(ownerOf(NODES, 6000)).toBe(7004);
    expect(ownerOf(NODES.split('\n').slice(0, 3).join('\n'), 6000)).toBeUndefined();
  });
});
