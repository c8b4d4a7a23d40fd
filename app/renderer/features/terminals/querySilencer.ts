/**
 * Remote output must not make the terminal "type": a reply to a query is sent to the shell as
 * if the user typed it. These handlers swallow the queries whose replies are not needed by
 * shells and editors and have been used to smuggle input:
 *
 * - DECRQSS (DCS $ q … ST): xterm.js answers it by default (`DCS 1 $ r … ST`).
 * - OSC 4 / 10 / 11 / 12 colour queries (a `?` where a colour would be): answered with the
 *   palette. Sequences that only set colours still work.
 *
 * Window manipulation (CSI … t) stays off through `windowOptions` (terminalSettings.ts).
 * Device attributes and cursor position reports (CSI c, CSI 6 n) stay: shells rely on them
 * and their replies carry nothing the remote chose.
 */
import type { IDisposable, IFunctionIdentifier } from '@xterm/xterm';

/** The part of xterm's parser API this needs (the real `term.parser`, or a fake in tests). */
export interface ParserHooks {
  registerDcsHandler(id: IFunctionIdentifier, callback: (data: string, params: (number | number[])[]) => boolean | Promise<boolean>): IDisposable;
  registerOscHandler(ident: number, callback: (data: string) => boolean | Promise<boolean>): IDisposable;
}

/** OSC colour commands whose `?` asks for a reply. */
export const COLOUR_QUERY_OSCS = [4, 10, 11, 12] as const;

/** Whether an OSC 4/10/11/12 payload asks for a colour (any `?` field) rather than only setting them. */
export function isColourQuery(ident: number, data: string): boolean {
  const fields = data.split(';');
  // OSC 4 is index;spec pairs: the spec fields are the odd ones. OSC 10-12 are specs only.
  const specs = ident === 4 ? fields.filter((_, i) => i % 2 === 1) : fields;
  return specs.some((spec) => spec.trim() === '?');
}

/** Registers the handlers; dispose to remove them. Returning true marks a sequence handled (no reply). */
export function silenceQueries(parser: ParserHooks): IDisposable {
  const subs: IDisposable[] = [parser.registerDcsHandler({ intermediates: '$', final: 'q' }, () => true)];
  for (const ident of COLOUR_QUERY_OSCS) subs.push(parser.registerOscHandler(ident, (data) => isColourQuery(ident, data)));
  return { dispose: () => subs.forEach((s) => s.dispose()) };
}
