import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { assertSafeProxyTarget, spawnProxyCommand, splitArgv, substituteTokens, type ProxyCommandHandle, type ProxyCommandTarget } from '../../../../../app/main/services/engine/proxyCommand';
import { sanitizeForMessage } from '../../../../../app/main/services/engine/tcpConnect';
import { ErrorCode, HoplineError } from '../../../../../app/shared/model/errors';
import { checkLeaksAfterEach, TCP_AND_CHILD_RESOURCES } from '../../../../helpers/leakCheck';
import { readBytes, TinyServers } from '../../../../helpers/tinyServers';

const HOP = { index: 0, name: 'bastion' };
const TARGET: ProxyCommandTarget = { host: 'jump.example.com', port: 2222, user: 'ana', name: 'bastion' };
const posix = process.platform !== 'win32';
/** Quotes a word for the splitter (and for sh): inside single quotes everything is literal. */
const quote = (word: string): string => `'${word.replaceAll("'", `'"'"'`)}'`;
const NODE = quote(process.execPath);
/** A stand-in for `nc 127.0.0.1 %p`: pipes stdin/stdout to a TCP port on 127.0.0.1. */
const BRIDGE = `${NODE} -e ${quote('const s=require("net").connect(Number(process.argv[1]),"127.0.0.1");process.stdin.pipe(s);s.pipe(process.stdout);s.on("error",(e)=>{console.error(e.message);process.exit(2)})')} %p`;

// ---------------------------------------------------------------------------------------------
// Helpers: every handle and server a test opens is closed after it, and nothing may be left.

const handles: ProxyCommandHandle[] = [];
const tiny = new TinyServers();

checkLeaksAfterEach(TCP_AND_CHILD_RESOURCES, async () => {
  await Promise.all(handles.splice(0).map((h) => h.close()));
  await tiny.closeAll();
});

function spawnTracked(command: string, target: ProxyCommandTarget = TARGET): ProxyCommandHandle {
  const handle = spawnProxyCommand({ command }, target, HOP);
  handles.push(handle);
  return handle;
}

function readAll(stream: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    stream.once('end', () => resolve(text));
    stream.once('error', reject);
  });
}

async function streamError(stream: Duplex): Promise<HoplineError> {
  const [error] = (await once(stream, 'error')) as [unknown];
  expect(error).toBeInstanceOf(HoplineError);
  return error as HoplineError;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe('ESRCH');
    return false;
  }
}

// ---------------------------------------------------------------------------------------------

describe('splitArgv', () => {
  it.runIf(posix)('splits benign commands exactly as /bin/sh does', () => {
    const commands = [
      'ssh -W %h:%p bastion',
      'a  b\tc   ',
      `'a b' "c d" e\\ f`,
      "''",
      `a '' "" b`,
      `'it'"'"'s'`,
      String.raw`"a\"b" "c\\d" "\$HOME" "\`x\`"`,
      String.raw`"\a\n" a\b`,
      'x"in\\\nside" out\\\nside',
      `'$HOME' '*' '?' '$(id)'`,
      `pre"mid"'post'`,
      `"single ' inside" 'double " inside'`,
      `"new\nline"`,
    ];
    for (const command of commands) {
      // Each word NUL-terminated: words may hold newlines and brackets.
      const fromSh = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${command}`], { encoding: 'utf8' }).split('\0').slice(0, -1);
      expect(splitArgv(command), command).toEqual(fromSh);
    }
  });

  it('keeps shell metacharacters as literal parts of words', () => {
    expect(splitArgv('echo $(id) `id` a;b c|d e&&f >out 2>&1 #x ~ * ${HOME}')).toEqual(['echo', '$(id)', '`id`', 'a;b', 'c|d', 'e&&f', '>out', '2>&1', '#x', '~', '*', '${HOME}']);
  });

  it('keeps empty quoted words and drops blank input', () => {
    expect(splitArgv("cmd '' \"\" x''")).toEqual(['cmd', '', '', 'x']);
    expect(splitArgv('')).toEqual([]);
    expect(splitArgv(' \t\n ')).toEqual([]);
  });

  it('handles backslashes as sh does', () => {
    expect(splitArgv(String.raw`a\ b c\\d \'e`)).toEqual(['a b', 'c\\d', "'e"]);
    // Inside double quotes only " \ $ ` are escapable; inside single quotes nothing is.
    expect(splitArgv(String.raw`"\x\"" '\x\'`)).toEqual(['\\x"', '\\x\\']);
    expect(splitArgv('trailing\\')).toEqual(['trailing\\']);
    expect(splitArgv('a\\\nb')).toEqual(['ab']);
  });

  it('refuses unbalanced quotes', () => {
    expect(() => splitArgv("ssh 'bastion")).toThrow(/Unbalanced single quote/u);
    expect(() => splitArgv('ssh "bastion')).toThrow(/Unbalanced double quote/u);
    expect(() => splitArgv(String.raw`ssh "bastion\"`)).toThrow(/Unbalanced double quote/u);
  });
});

describe('substituteTokens', () => {
  it('substitutes %h %p %r %n and %%', () => {
    expect(substituteTokens(['ssh', '-W', '%h:%p', '%r@%n', '100%%', '%%h'], TARGET)).toEqual(['ssh', '-W', 'jump.example.com:2222', 'ana@bastion', '100%', '%h']);
  });

  it('never lets a value create words or be expanded again', () => {
    const hostile = { ...TARGET, host: 'a b;c $(id) %p', user: "x' y" };
    expect(substituteTokens(['nc', '%h', '%r'], hostile)).toEqual(['nc', 'a b;c $(id) %p', "x' y"]);
  });

  it('refuses unknown tokens and a lone %', () => {
    expect(() => substituteTokens(['nc', '%x'], TARGET)).toThrow(/Unknown token %x/u);
    expect(() => substituteTokens(['nc', '%C'], TARGET)).toThrow(/Unknown token %C/u);
    expect(() => substituteTokens(['nc', '50%'], TARGET)).toThrow(/lone %/u);
  });
});

describe('proxy command target checks', () => {
  const refused = (target: ProxyCommandTarget, command = 'nc %h %p'): HoplineError => {
    try {
      spawnTracked(command, target);
    } catch (error) {
      expect(error).toBeInstanceOf(HoplineError);
      return error as HoplineError;
    }
    throw new Error(`accepted ${JSON.stringify(target)}`);
  };

  it('refuses hostile hosts before starting anything', () => {
    for (const host of ['-oProxyCommand=x', 'a;b', '$(id)', 'a b', '`id`', 'a\nb', 'a\tb', 'a|b', 'a&b', 'a>b', "a'b", 'a"b', 'a\\b', 'a\u0000b', 'a\u202eb', '']) {
      const error = refused({ ...TARGET, host });
      expect(error.code).toBe(ErrorCode.PROXY_FAILED);
      expect(error.hop).toEqual(HOP);
      expect(error.message).toContain('hop 1 (bastion)');
      expect(error.message).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    }
    expect(handles).toEqual([]);
  });

  it('refuses hostile users, and @ in a user', () => {
    for (const user of ['-l', '-oProxyCommand=x', 'a;b', '$(id)', 'a b', '`id`', 'a\nb', 'a@b']) {
      expect(refused({ ...TARGET, user }).code).toBe(ErrorCode.PROXY_FAILED);
    }
  });

  it('accepts ordinary hosts and users', () => {
    for (const host of ['bastion', 'jump-1.example.com', '192.0.2.10', '2001:db8::1', '::1', 'fe80::1%eth0']) {
      expect(() => assertSafeProxyTarget({ ...TARGET, host }, HOP)).not.toThrow();
    }
    for (const user of ['ana', 'ana.maria', 'deploy_bot', 'a-b', 'root', '']) {
      expect(() => assertSafeProxyTarget({ ...TARGET, user }, HOP)).not.toThrow();
    }
  });

  it('checks the name only when the command uses %n', () => {
    const named = { ...TARGET, name: 'My Bastion' };
    expect(() => assertSafeProxyTarget(named, HOP)).not.toThrow();
    expect(refused(named, 'nc %n %p').message).toMatch(/name "My Bastion"/u);
  });

  it('turns a malformed command into PROXY_FAILED naming the hop', () => {
    expect(refused(TARGET, "nc '%h").message).toMatch(/hop 1 \(bastion\).*Unbalanced single quote/u);
    expect(refused(TARGET, 'nc %x').message).toMatch(/Unknown token %x/u);
    expect(refused(TARGET, '   ').message).toMatch(/empty/u);
  });
});

describe('spawnProxyCommand', () => {
  it('carries data both ways, and close() reaps the command', async () => {
    const port = await tiny.echoServer();
    const handle = spawnTracked(BRIDGE, { ...TARGET, host: '127.0.0.1', port });
    await handle.started;
    expect(handle.pid).toBeTypeOf('number');
    handle.stream.on('error', () => undefined);
    handle.stream.write('hello through the proxy');
    expect(await readBytes(handle.stream, 23)).toBe('hello through the proxy');
    await handle.close();
    expect(isAlive(handle.pid as number)).toBe(false);
    expect(handle.stream.destroyed).toBe(true);
  });

  it('passes words exactly, metacharacters and substituted values included', async () => {
    const printArgs = `${NODE} -e ${quote('process.stdout.write(JSON.stringify(process.argv.slice(1)))')}`;
    const handle = spawnTracked(`${printArgs} %h %p %r '%%h' a;b '$(id)' "x y" ''`);
    expect(JSON.parse(await readAll(handle.stream))).toEqual(['jump.example.com', '2222', 'ana', '%h', 'a;b', '$(id)', 'x y', '']);
  });

  it.runIf(posix)('reports a non-zero exit with its code and the tail of stderr', async () => {
    const handle = spawnTracked(`sh -c 'echo boom >&2; exit 3'`);
    const error = await streamError(handle.stream);
    expect(error.code).toBe(ErrorCode.PROXY_FAILED);
    expect(error.hop).toEqual(HOP);
    expect(error.message).toMatch(/hop 1 \(bastion\).*"sh" exited with code 3: boom$/u);
  });

  it.runIf(posix)('reports a command killed by a signal, and strips control characters from stderr', async () => {
    const handle = spawnTracked(`sh -c 'printf "\\033[31mred\\001alert\\n" >&2; kill -9 $$'`);
    const error = await streamError(handle.stream);
    expect(error.message).toMatch(/killed by signal SIGKILL: red\?alert$/u);
  });

  it.runIf(posix)('keeps only the last 4 KiB of stderr', async () => {
    const handle = spawnTracked(`sh -c 'i=0; while [ $i -lt 600 ]; do echo "line $i"; i=$((i+1)); done >&2; echo LAST >&2; exit 1'`);
    const error = await streamError(handle.stream);
    expect(error.message).toMatch(/LAST$/u);
    expect(error.message).not.toContain('line 0 ');
    expect(error.message.length).toBeLessThan(4096 + 200);
  });

  it('ends the stream normally when the command exits 0', async () => {
    const handle = spawnTracked(`${NODE} -e ${quote('process.stdout.write("bye")')}`);
    expect(await readAll(handle.stream)).toBe('bye');
  });

  it('gives a clear error for a program that does not exist', async () => {
    const handle = spawnTracked('/nonexistent/hopline-no-such-proxy %h %p');
    await expect(handle.started).rejects.toMatchObject({ code: ErrorCode.PROXY_FAILED, hop: HOP });
    await expect(handle.started).rejects.toThrow(/could not start "\/nonexistent\/hopline-no-such-proxy": program not found \(ENOENT\)/u);
    expect(handle.pid).toBeUndefined();
    expect(handle.stream.destroyed).toBe(true);
    await handle.close();
  });

  it('kills the command when the consumer destroys the stream', async () => {
    const handle = spawnTracked(`${NODE} -e ${quote('setInterval(() => {}, 1000)')}`);
    await handle.started;
    handle.stream.destroy();
    for (let i = 0; i < 100 && isAlive(handle.pid as number); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isAlive(handle.pid as number)).toBe(false);
  });

  it.runIf(posix)('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const stubborn = `${NODE} -e ${quote('process.on("SIGTERM", () => {}); process.stdout.write("ready"); setInterval(() => {}, 1000)')}`;
    const handle = spawnTracked(stubborn);
    await once(handle.stream, 'data');
    const started = Date.now();
    await handle.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(isAlive(handle.pid as number)).toBe(false);
  });
});

describe('sanitizeForMessage', () => {
  it('makes foreign text one safe line', () => {
    expect(sanitizeForMessage('\u001b[1;31mError\u001b[0m:\r\n  bad\tthing\u0007\u202e ')).toBe('Error: bad thing??');
  });
});
