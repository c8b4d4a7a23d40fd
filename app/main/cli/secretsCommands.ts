/**
 * `hopline secrets list | forget HOST | set-totp HOST [--prompt REGEX]`: the app's credential
 * store from the command line. Values are never printed; a TOTP secret is read from the terminal
 * (echo off) or HOPLINE_ASKPASS, never from argv where `ps` would show it.
 */
import { HoplineError } from '../../shared/model/errors';
import type { CredentialStore } from '../services/credentials/credentialStore';
import { DEFAULT_TOTP_PROMPT } from '../services/credentials/totp';
import { askQuestion } from './terminalPrompter';

export interface SecretsCommandContext {
  store: CredentialStore;
  /** A saved host's id for a name or `[user@]host[:port]`, as exec uses it. */
  hostIdFor(text: string): string;
  /** Host ids to the names to show for them. */
  describeHost(hostId: string): string;
}

export async function runSecrets(args: string[], ctx: SecretsCommandContext, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const [sub, ...rest] = args;
  const status = await ctx.store.status();
  if (status.unavailableReason) err.write(`hopline: ${status.unavailableReason}\n`);
  try {
    switch (sub) {
      case 'list': {
        const entries = await ctx.store.listKinds();
        if (entries.length === 0) out.write('No saved secrets.\n');
        for (const e of entries) out.write(`${ctx.describeHost(e.hostId)}: ${e.kinds.join(', ')}\n`);
        return 0;
      }
      case 'forget': {
        if (rest.length !== 1) throw new Error('usage: hopline secrets forget HOST');
        await ctx.store.forget(ctx.hostIdFor(rest[0]!));
        out.write(`Forgot the saved secrets of ${rest[0]}.\n`);
        return 0;
      }
      case 'set-totp': {
        const host = rest[0];
        let pattern = DEFAULT_TOTP_PROMPT;
        if (rest[1] === '--prompt' && rest[2]) pattern = rest[2];
        else if (rest.length !== 1 || !host) throw new Error('usage: hopline secrets set-totp HOST [--prompt REGEX]');
        err.write('Warning: with the TOTP secret stored here, this computer holds both factors for that hop.\n');
        const secret = await askQuestion(`TOTP secret for ${host} (base32 or otpauth:// URI): `, false);
        await ctx.store.setTotp(ctx.hostIdFor(host!), { secret, promptPattern: pattern });
        out.write(`Saved a TOTP secret for ${host}; it answers prompts matching /${pattern}/i.\n`);
        return 0;
      }
      default:
        throw new Error('usage: hopline secrets list | forget HOST | set-totp HOST [--prompt REGEX]');
    }
  } catch (error) {
    err.write(`hopline: ${error instanceof HoplineError || error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof HoplineError ? 1 : 2;
  }
}
