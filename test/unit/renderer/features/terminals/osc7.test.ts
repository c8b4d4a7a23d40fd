// @vitest-environment happy-dom
import { Terminal } from '@xterm/xterm';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_CWD_LENGTH, MAX_OSC7_LENGTH, parseOsc7, watchShellCwd, type ShellCwd } from '../../../../../app/renderer/features/terminals/osc7';

describe('parseOsc7', () => {
  it('reads the host and the path of a file URL, as bash, VTE, fish and zsh send it', () => {
    expect(parseOsc7('file://target/home/bench')).toEqual({ host: 'target', path: '/home/bench' });
    expect(parseOsc7('file:///tmp')).toEqual({ host: '', path: '/tmp' });
    expect(parseOsc7('file://localhost/')).toEqual({ host: 'localhost', path: '/' });
    expect(parseOsc7('FILE://Target.Example.org/srv/app')).toEqual({ host: 'target.example.org', path: '/srv/app' });
  });

  it('percent-decodes the path as UTF-8 (VTE encodes spaces and non-ASCII)', () => {
    expect(parseOsc7('file://t/home/bench/My%20Docs')?.path).toBe('/home/bench/My Docs');
    expect(parseOsc7('file://t/srv/caf%C3%A9/%E2%9C%93')?.path).toBe('/srv/café/✓');
    // Not percent-encoded at all (a plain bash printf of $PWD): taken as it is.
    expect(parseOsc7('file://t/srv/café and more')?.path).toBe('/srv/café and more');
    // A `%` that starts no escape stays a `%`, as URL parsers leave it.
    expect(parseOsc7('file://t/srv/100%done/%zz')?.path).toBe('/srv/100%done/%zz');
  });

  it('leaves out the query and the fragment, as URL syntax (and VS Code and WezTerm) do', () => {
    expect(parseOsc7('file://t/srv/a?x=1')?.path).toBe('/srv/a');
    expect(parseOsc7('file://t/srv/b#frag')?.path).toBe('/srv/b');
    expect(parseOsc7('file://t/srv/c%23d')?.path).toBe('/srv/c#d');
  });

  it('takes the path whatever the host is called: the shell is on the target', () => {
    expect(parseOsc7('file://some-container-name/var/log')?.path).toBe('/var/log');
    // Not a host name: the path still counts, the name is not kept.
    expect(parseOsc7('file://user@host/var/log')).toEqual({ host: '', path: '/var/log' });
    expect(parseOsc7('file://a%20b/var/log')).toEqual({ host: '', path: '/var/log' });
  });

  it('refuses anything that is not a file URL with an absolute path', () => {
    for (const bad of ['', '/tmp', 'tmp', 'http://host/tmp', 'https://evil.example/x', 'javascript:alert(1)', 'file:/tmp', 'file:tmp', 'file://host', 'file://', 'kitty-shell-cwd://host/tmp', ' file://host/tmp']) {
      expect(parseOsc7(bad), bad).toBeNull();
    }
  });

  it('refuses what does not decode, a NUL, and anything longer than a path can be', () => {
    expect(parseOsc7('file://t/srv/%FF%FE')).toBeNull();
    expect(parseOsc7('file://t/srv/%C3')).toBeNull();
    expect(parseOsc7('file://t/srv/a%00b')).toBeNull();
    expect(parseOsc7('file://t/srv/a\0b')).toBeNull();
    expect(parseOsc7(`file://t/${'a'.repeat(MAX_CWD_LENGTH)}`)).toBeNull();
    expect(parseOsc7(`file://t/${'%41'.repeat(MAX_OSC7_LENGTH)}`)).toBeNull();
    expect(parseOsc7(`file://t/${'a'.repeat(MAX_CWD_LENGTH - 1)}`)?.path.length).toBe(MAX_CWD_LENGTH);
  });

  it('keeps control characters as they are: the path is data, shown escaped by the files view', () => {
    expect(parseOsc7('file://t/srv/a%1B%5B31mb')?.path).toBe('/srv/a\x1b[31mb');
  });
});

describe('watchShellCwd on a real xterm', () => {
  const terms: Terminal[] = [];
  afterEach(() => terms.splice(0).forEach((t) => t.dispose()));

  async function run(output: string): Promise<{ cwds: ShellCwd[]; screen: string; typed: string[] }> {
    const term = new Terminal({ allowProposedApi: true });
    terms.push(term);
    const host = document.createElement('div');
    document.body.append(host);
    term.open(host);
    const cwds: ShellCwd[] = [];
    watchShellCwd(term.parser, (cwd) => cwds.push(cwd));
    const typed: string[] = [];
    term.onData((d) => typed.push(d));
    await new Promise<void>((resolve) => term.write(output, resolve));
    const line = term.buffer.active.getLine(0)?.translateToString(true) ?? '';
    return { cwds, screen: line, typed };
  }

  it('hands on each report, terminated by ST or BEL, and nothing of it reaches the screen', async () => {
    const { cwds, screen, typed } = await run('\x1b]7;file://target/tmp\x1b\\$ \x1b]7;file://target/srv/My%20Docs\x07ok');
    expect(cwds.map((c) => c.path)).toEqual(['/tmp', '/srv/My Docs']);
    expect(screen).toBe('$ ok');
    expect(typed).toEqual([]);
  });

  it('ignores a report that is not a file URL, and shows nothing of it either', async () => {
    const { cwds, screen } = await run('\x1b]7;https://evil.example/\x1b\\\x1b]7;file://t/ok\x1b\\x');
    expect(cwds.map((c) => c.path)).toEqual(['/ok']);
    expect(screen).toBe('x');
  });
});
