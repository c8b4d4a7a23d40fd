/**
 * Inputs for fuzzing the contract over both transports (test/integration/contractFuzz.test.ts):
 * one valid argument list per method, the zod schema that guards it, and fast-check
 * arbitraries for near-valid arguments (one mutation away from valid), prototype keys at every
 * level, deep nesting and structured-clone oddities.
 *
 * Calls that would reach outside the process when their arguments are valid (opening an SSH
 * circuit to whatever address a saved host names, opening a terminal on it) are only ever sent
 * with arguments the schema refuses: see `reachesOutside`.
 */
import fc from 'fast-check';
import { channelTable, type ServiceName } from '../../app/shared/contract/channels';
import { appSchemas } from '../../app/shared/schema/app';
import { circuitsSchemas } from '../../app/shared/schema/circuits';
import { credentialsSchemas } from '../../app/shared/schema/credentials';
import { forwardsSchemas } from '../../app/shared/schema/forwards';
import { filesSchemas } from '../../app/shared/schema/files';
import { gatewaySchemas } from '../../app/shared/schema/gateway';
import { hostsSchemas } from '../../app/shared/schema/hosts';
import { profilesSchemas } from '../../app/shared/schema/profiles';
import { promptsSchemas } from '../../app/shared/schema/prompts';
import { settingsSchemas } from '../../app/shared/schema/settings';
import { terminalsSchemas } from '../../app/shared/schema/terminals';

interface Validator {
  safeParse(value: unknown): { success: boolean };
}

const schemasByService: Record<ServiceName, Record<string, Validator>> = {
  app: appSchemas,
  hosts: hostsSchemas,
  profiles: profilesSchemas,
  circuits: circuitsSchemas,
  prompts: promptsSchemas,
  terminals: terminalsSchemas,
  credentials: credentialsSchemas,
  settings: settingsSchemas,
  forwards: forwardsSchemas,
  gateway: gatewaySchemas,
  files: filesSchemas,
};

export const METHOD_CHANNELS: string[] = channelTable.filter((e) => e.kind === 'method').map((e) => e.channel);
export const EVENT_CHANNELS: string[] = channelTable.filter((e) => e.kind === 'event').map((e) => e.channel);

/** The zod schema guarding a method channel's argument list. */
export function schemaFor(channel: string): Validator {
  const entry = channelTable.find((e) => e.channel === channel && e.kind === 'method');
  if (!entry) throw new Error(`not a method channel: ${channel}`);
  return schemasByService[entry.service][entry.member]!;
}

export const isValidArgs = (channel: string, args: unknown): boolean => schemaFor(channel).safeParse(args).success;

const host = {
  name: 'db',
  address: '198.18.250.1',
  port: 22,
  user: 'ops',
  auth: [{ kind: 'publickey', keyFile: '~/.ssh/id_ed25519' }, { kind: 'password' }],
  agentForward: false,
  keepaliveIntervalSec: 15,
  keepaliveCountMax: 3,
  connectTimeoutSec: 15,
  proxy: { kind: 'socks5', host: '127.0.0.1', port: 1080, username: 'me' },
  folder: 'prod',
  tags: ['db'],
};
const terminal = { fontSize: 13, scrollback: 5000, copyOnSelect: false, confirmMultilinePaste: true, sessionLog: false };

/** One valid argument list per method channel (test/security/contractFuzzInputs checks it covers all). */
export const VALID_ARGS: Record<string, unknown[]> = {
  'app:version': [],
  'app:info': [],
  'app:ping': [{ nonce: 'fuzz' }],
  'app:openExternal': ['https://example.com/docs'],
  'hosts:list': [],
  'hosts:save': [host],
  'hosts:duplicate': ['h-1'],
  'hosts:remove': ['h-1', { replaceWith: 'h-2' }],
  'hosts:importSshConfig': [{ text: 'Host a\n  HostName 198.18.250.2\n  User ops\n' }],
  'profiles:list': [],
  'profiles:save': [{ name: 'prod', folder: '', tags: ['x'], hostIds: ['h-1', 'h-2'], terminal, color: 'teal' }],
  'profiles:remove': ['p-1'],
  'profiles:storeStatus': [],
  'circuits:open': [{ hostIds: ['h-1'] }],
  'circuits:repair': ['c-1'],
  'circuits:close': ['c-1'],
  'circuits:list': [],
  'circuits:eventLog': ['c-1'],
  'circuits:preview': [{ hostIds: ['h-1', 'h-2'], alias: 'prod' }],
  'prompts:outstanding': [],
  'prompts:answer': ['p-1', ['secret'], [true]],
  'prompts:decideHostKey': ['p-1', 'reject'],
  'prompts:cancel': ['p-1'],
  'terminals:open': [{ circuitId: 'c-1', cols: 80, rows: 24 }],
  'terminals:resize': ['t-1', 80, 24],
  'terminals:close': ['t-1'],
  'terminals:list': [],
  'credentials:status': [],
  'credentials:listKinds': [],
  'credentials:forget': ['h-1'],
  'credentials:setTotp': ['h-1', { secret: 'JBSWY3DPEHPK3PXP' }],
  'settings:get': [],
  'settings:update': [{ theme: 'dark', terminal: { fontSize: 14, cursorStyle: 'bar' }, connection: { keepaliveIntervalSec: 30 }, shortcuts: { newTab: 'Mod+Shift+Y' } }],
  'settings:getLayout': [],
  'forwards:list': [],
  'forwards:add': ['c-1', { kind: 'local', bindPort: 8080, host: 'db.internal', hostPort: 5432 }],
  'forwards:start': ['f-1'],
  'forwards:stop': ['f-1'],
  'forwards:remove': ['f-1'],
  'gateway:sessions': [],
  'gateway:sshConfigFor': ['p-1'],
  'files:home': ['c-1'],
  'files:realpath': ['c-1', '/tmp'],
  'files:stat': ['c-1', '/tmp/a'],
  'files:openDir': ['c-1', '/tmp'],
  'files:readDir': ['d-1'],
  'files:closeDir': ['d-1'],
  'files:mkdir': ['c-1', '/tmp/new'],
  'files:rename': ['c-1', '/tmp/a', '/tmp/b'],
  'files:remove': ['c-1', '/tmp/a', { recursive: true }],
  'files:chmod': ['c-1', '/tmp/a', 0o644],
  'files:transfers': [],
  'files:enqueue': [{ circuitId: 'c-1', direction: 'download', sources: ['/tmp/a'], destination: '/tmp' }],
  'files:answerConflict': ['t-1', 'overwrite', { forAll: true }],
  'files:cancel': ['t-1'],
  'files:retry': ['t-1'],
  'files:dismiss': ['t-1'],
  'files:beginUpload': ['c-1', '/tmp/a.bin', 1024, 'ask'],
  'files:beginDownload': ['c-1', '/tmp/a.bin'],
  'settings:saveLayout': [
    {
      version: 1,
      dock: { grid: { root: { type: 'branch', data: [{ type: 'leaf', data: { views: ['p-1'], activeView: 'p-1', id: '1' } }] } }, activeGroup: '1' },
      panels: {
        'p-1': { kind: 'terminal', terminalId: 't-1', hostIds: ['h-1', 'h-2'], profileId: 'p-1', title: 'prod' },
        builder: { kind: 'builder', profileId: null },
        settings: { kind: 'settings' },
      },
    },
  ],
};

/**
 * Whether a call must not be made with these (valid) arguments, because it would act outside
 * the process: an SSH connection to an address a fuzzed saved host names, or a terminal on it.
 */
export function reachesOutside(channel: string, args: unknown): boolean {
  return (channel === 'circuits:open' || channel === 'terminals:open') && isValidArgs(channel, args);
}

export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf'];

const key = fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS, 'nonce', 'name', 'id', 'kind', 'hostIds', 'type', 'channel', 'args'), fc.string({ maxLength: 8 }));

/**
 * JSON-compatible values whose objects are built with Object.fromEntries, so a `__proto__` key
 * is an own property (as JSON.parse makes it), never a prototype change.
 */
export const protoKeyedValue: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.string({ maxLength: 16 }), fc.integer(), fc.boolean(), fc.constant(null)),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.array(fc.tuple(key, tie('node')), { maxLength: 5 }).map((entries) => Object.fromEntries(entries)),
  ),
})).node;

/** Strings that probe the bounds: empty, control characters, bidi overrides, lone surrogates, long. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', '-oProxyCommand=sh', '\u0000', '\u001b[201~rm -rf ~\r', '\u202etxt.exe', '\ud800', 'a\nb', '../../etc/passwd', '%00', 'x'.repeat(4097), 'y'.repeat(70_000)),
  fc.string({ unit: 'binary', maxLength: 64 }),
);

/** JSON-safe replacement values for a mutation. */
const jsonReplacement: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.constantFrom(-1, 0, 1.5, 65536, 2 ** 53, -(2 ** 53), 1e308, true, false, null, [], {}),
  protoKeyedValue,
);

type Path = (string | number)[];

function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function setAt(root: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy = (Array.isArray(root) ? [...(root as unknown[])] : { ...(root as object) }) as Record<string | number, unknown>;
  copy[head!] = setAt(copy[head!], rest, replacement);
  return copy;
}

function withKeyAt(root: unknown, path: Path, keyName: string, value: unknown): unknown {
  const target = path.reduce<unknown>((node, k) => (node as Record<string | number, unknown>)[k], root);
  if (typeof target !== 'object' || target === null || Array.isArray(target)) return root;
  return setAt(root, path, Object.fromEntries([...Object.entries(target), [keyName, value]]));
}

/** Argument lists one mutation away from VALID_ARGS[channel]: a value replaced, a key added or removed, an arg too many or too few. */
export function nearValidArgs(channel: string): fc.Arbitrary<unknown[]> {
  const valid = VALID_ARGS[channel]!;
  const all = paths(valid).filter((p) => p.length > 0);
  return fc.oneof(
    fc.record({ at: fc.nat(), value: jsonReplacement }).map(({ at, value }) => (all.length ? (setAt(valid, all[at % all.length]!, value) as unknown[]) : [value])),
    fc.record({ at: fc.nat(), name: key, value: jsonReplacement }).map(({ at, name, value }) => withKeyAt(valid, [[] as Path, ...all][at % (all.length + 1)]!, name, value) as unknown[]),
    fc.record({ at: fc.nat() }).map(({ at }) => {
      const objects = all.filter((p) => typeof p[p.length - 1] === 'string');
      if (objects.length === 0) return [...valid, 'extra'];
      const p = objects[at % objects.length]!;
      const parent = p.slice(0, -1).reduce<unknown>((node, k) => (node as Record<string | number, unknown>)[k], valid) as Record<string, unknown>;
      const rest = Object.fromEntries(Object.entries(parent).filter(([k]) => k !== p[p.length - 1]));
      return setAt(valid, p.slice(0, -1), rest) as unknown[];
    }),
    jsonReplacement.map((extra) => [...valid, extra]),
    fc.constant(valid.slice(0, -1)),
    fc.constant(valid),
  );
}

/** `[[[…"x"…]]]` nested `depth` deep, as JSON text. */
export const deepArrayJson = (depth: number): string => `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;
/** `{"a":{"a":…}}` nested `depth` deep, as JSON text, with a `__proto__` key on every level. */
export const deepObjectJson = (depth: number): string => `${'{"__proto__":1,"a":'.repeat(depth)}0${'}'.repeat(depth)}`;
