import IORedis from 'ioredis';
import { startRedisServer, type RedisServerHandle } from '@graflow/testing';
import { LuaScript } from '../src/distributed/lua-script';

/**
 * Our scripts' own sending (see `LuaScript`): the bytes of every argument arrive as given, a
 * script runs before what is written after it on a new socket, and a flushed script cache is
 * reloaded. A private redis-server, because SCRIPT FLUSH would reach every other test's scripts.
 */
describe('LuaScript', () => {
  let server: RedisServerHandle;
  let redis: IORedis;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = new IORedis({ host: server.host, port: server.port });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  const echo = new LuaScript("return { KEYS[1], ARGV[1], ARGV[2], ARGV[3], tostring(#ARGV[2]) }", 1);

  test('Buffer and string arguments reach the script byte for byte, in either reply encoding', async () => {
    const binary = Buffer.from([0x00, 0x0d, 0x0a, 0x24, 0xff, 0xc3, 0x28, 0x93]);
    const reply = (await echo.run(redis, ['kéy', 'ünïcode ✓', binary, ''], null)) as Buffer[];
    expect(reply.map((b) => Buffer.from(b))).toEqual([Buffer.from('kéy'), Buffer.from('ünïcode ✓'), binary, Buffer.alloc(0), Buffer.from(String(binary.length))]);
    // An empty Buffer, and one between other Buffers, keep their places too.
    const two = (await echo.run(redis, ['k', Buffer.alloc(0), binary, Buffer.from('tail')], null)) as Buffer[];
    expect(two.map((b) => Buffer.from(b))).toEqual([Buffer.from('k'), Buffer.alloc(0), binary, Buffer.from('tail'), Buffer.from('8')]);
    expect(await echo.run(redis, ['k', 'a', 42, 'b'], 'utf8')).toEqual(['k', 'a', '42', 'b', '2']);
  });

  test('on a new socket the script runs before the command written after it (EVAL, not a failed EVALSHA)', async () => {
    const fresh = new IORedis({ host: server.host, port: server.port });
    try {
      await redis.script('FLUSH');
      const key = `lua-script-order-${Date.now()}`;
      const setter = new LuaScript("redis.call('SET', KEYS[1], ARGV[1]); return 1", 1);
      const [ran, seen] = await Promise.all([setter.run(fresh, [key, Buffer.from('first')], 'utf8'), fresh.get(key)]);
      expect(ran).toBe(1);
      expect(seen).toBe('first');
    } finally {
      fresh.disconnect();
    }
  });

  test('after SCRIPT FLUSH on a live connection the next call loads the script again', async () => {
    const counter = new LuaScript("return redis.call('INCR', KEYS[1])", 1);
    const key = `lua-script-flush-${Date.now()}`;
    expect(await counter.run(redis, [key], 'utf8')).toBe(1);
    expect(await counter.run(redis, [key], 'utf8')).toBe(2);
    await redis.script('FLUSH');
    expect(await counter.run(redis, [key], 'utf8')).toBe(3);
    expect(await counter.run(redis, [key], 'utf8')).toBe(4);
  });

  test('a script error reaches the caller as the error Redis sent', async () => {
    const failing = new LuaScript("return redis.error_reply('GRAFLOW_TEST boom')", 0);
    await expect(failing.run(redis, [], 'utf8')).rejects.toThrow(/GRAFLOW_TEST boom/);
  });
});
