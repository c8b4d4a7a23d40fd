/**
 * Answers the engine's prompts for the `hopline` CLI: on the controlling terminal (/dev/tty,
 * input hidden when the server says echo is off), or through HOPLINE_ASKPASS — a program that
 * gets the prompt as its argument and prints the answer, as SSH_ASKPASS does for OpenSSH.
 * Questions are put one at a time, in the order they arrive. Everything printed that came from
 * elsewhere (a server's prompt text, a hop or host name, an error) goes through toPlainText, so
 * no control sequence reaches the terminal.
 */
import { execFile } from 'node:child_process';
import { openSync } from 'node:fs';
import tty from 'node:tty';
import { hostCertificateFacts } from '../../shared/model/hostCertificateFacts';
import type { PromptRequest } from '../../shared/model/prompt';
import { toPlainText } from '../../shared/model/plainText';
import type { PromptBroker } from '../services/engine/promptBroker';

function askpass(program: string, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, [question], { timeout: 0, maxBuffer: 64 * 1024 }, (error, stdout) => (error ? reject(new Error(`HOPLINE_ASKPASS failed: ${error.message}`)) : resolve(stdout.replace(/\r?\n$/, ''))));
  });
}

function readTty(question: string, echo: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let fd: number;
    try {
      fd = openSync('/dev/tty', 'r+');
    } catch {
      return reject(new Error('No terminal to ask on (set HOPLINE_ASKPASS to answer prompts without one)'));
    }
    const input = new tty.ReadStream(fd);
    const output = new tty.WriteStream(fd);
    output.write(question);
    input.setRawMode(true);
    let answer = '';
    const done = (error: Error | null): void => {
      input.setRawMode(false);
      input.removeAllListeners('data');
      input.destroy();
      output.write('\n');
      output.destroy();
      if (error) reject(error);
      else resolve(answer);
    };
    input.on('data', (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003' || ch === '\u0004') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') {
          if (answer.length > 0 && echo) output.write('\b \b');
          answer = answer.slice(0, -1);
        } else if (ch >= ' ') {
          answer += ch;
          if (echo) output.write(ch);
        }
      }
    });
  });
}

/** One question on the terminal, or through HOPLINE_ASKPASS when set. */
export function askQuestion(question: string, echo: boolean, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const program = env.HOPLINE_ASKPASS;
  return program ? askpass(program, question) : readTty(question, echo);
}

export interface PrompterOptions {
  /** `--remember`: keep every answer whose prompt offers it (never one-time codes) once the server accepts it. */
  remember?: boolean;
}

export function attachTerminalPrompter(broker: PromptBroker, stderr: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env, options: PrompterOptions = {}): void {
  const ask = (question: string, echo: boolean): Promise<string> => askQuestion(question, echo, env);
  let queue = Promise.resolve();

  const handle = async (request: PromptRequest): Promise<void> => {
    const where = `hop ${request.hop.index + 1} of ${request.hop.count} · ${toPlainText(request.hop.name, 200)}`;
    try {
      if (request.kind === 'host-key' && request.hostKey) {
        const k = request.hostKey;
        stderr.write(`The authenticity of ${where} (${toPlainText(`${k.host}:${k.port}`, 300)}) can't be established.\n${toPlainText(k.type, 100)} key fingerprint is ${toPlainText(k.sha256, 200)}.\n`);
        if (k.certificate) stderr.write(`Its host certificate was not accepted: ${toPlainText(k.certificate.problem ?? 'no reason given', 600)}. ${hostCertificateFacts(k.certificate)}.\n`);
        if (k.otherKnownTypes.length) stderr.write(`Keys of other types are known for this host: ${toPlainText(k.otherKnownTypes.join(', '), 300)}.\n`);
        const reply = (await ask('Accept it? [o]nce, [s]ave to known_hosts, [N]o: ', true)).trim().toLowerCase();
        await broker.decideHostKey(request.id, reply === 's' || reply === 'save' ? 'accept-and-save' : reply === 'o' || reply === 'once' ? 'accept-once' : 'reject');
        return;
      }
      // A rejected earlier attempt is said before the new question, as the app's dialog does.
      if (request.rejection) {
        const detail = request.rejection.detail ? ` ${toPlainText(request.rejection.detail, 500)}` : '';
        stderr.write(`[${where}] ${toPlainText(request.rejection.message, 500)}${detail}\n`);
      }
      if (request.name || request.instructions) stderr.write(`[${where}] ${toPlainText(`${request.name}${request.name && request.instructions ? ': ' : ''}${request.instructions}`)}\n`);
      const answers: string[] = [];
      for (const prompt of request.prompts) answers.push(await ask(`[${where}] ${toPlainText(prompt.text, 500)}`, prompt.echo));
      await broker.answer(request.id, answers, request.prompts.map((p) => options.remember === true && p.remember === 'offer'));
    } catch (error) {
      stderr.write(`hopline: ${toPlainText(error instanceof Error ? error.message : String(error), 1000)}\n`);
      await broker.cancel(request.id).catch(() => undefined);
    }
  };

  broker.onDidRequest((request) => {
    queue = queue.then(() => handle(request));
  });
}
