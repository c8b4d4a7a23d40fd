/**
 * Errors told to people: one plain sentence that names the hop (`hop N (name)`), with the code,
 * the main side's own message and any raw detail kept apart for "Details" (the renderer) or
 * `-v` (the CLI). Pure, so the window and the CLI say the same thing.
 *
 * Most engine and service messages are written as sentences already and are used as they come
 * (tidied: a capital letter, a full stop, the hop named if they forgot it). For the codes whose
 * message is written for a developer (a malformed frame, an internal error, a cancelled prompt),
 * and for any message that is empty or starts with a raw code, the sentence comes from here.
 */
import { ErrorCode, HoplineError, type HopRef, type WireError } from './errors';
import { hopName, hopNameAtStart } from './hopName';
import { toPlainText } from './plainText';

export interface ErrorDescription {
  /** One plain sentence for a person. */
  sentence: string;
  /** The typed code, or null for an error that is not a typed one (a bug on our side). */
  code: ErrorCode | null;
  /** The message as the main side sent it (plain text), or null when there was none to show. */
  message: string | null;
  /** Raw text behind it (an OS error code, a server's own words), or null. */
  detail: string | null;
  hop: HopRef | null;
}

/** How a hop is named inside a sentence, and at its start; "a hop" when the error names none. */
interface HopWords {
  at: string;
  At: string;
  /** Whether the error named a hop at all. */
  known: boolean;
}

/**
 * Every code's own sentence. Used when the message is not for people (`always`), or when it is
 * empty or leads with a raw code. A Record, so a new code cannot be added without its sentence.
 */
const SENTENCES: Record<ErrorCode, { always?: true; say(hop: HopWords): string }> = {
  BAD_FRAME: { always: true, say: () => "A message between this window and Hopline's main process was garbled, so it was dropped." },
  FRAME_TOO_LARGE: { say: () => "A message between this window and Hopline's main process was too large, so it was dropped." },
  METHOD_NOT_FOUND: { always: true, say: () => 'This window asked Hopline for something it does not offer; the window and the app may be from different versions.' },
  INVALID_ARGUMENT: { say: () => 'Hopline could not do that: part of the request was not valid.' },
  NOT_AVAILABLE: { say: () => 'That is not available here.' },
  DISCONNECTED: { say: (h) => (h.known ? `The session on ${h.at} ended.` : "The connection to Hopline's main process was lost.") },
  INTERNAL: { always: true, say: () => 'Something went wrong inside Hopline.' },
  FORBIDDEN: { always: true, say: () => 'Hopline refused that request from this window.' },
  HOST_IN_USE: { say: () => 'That host is still part of saved profiles, so it was not deleted.' },
  HOST_KEY_UNKNOWN: { say: (h) => `The host key of ${h.at} is not known yet, so Hopline did not connect.` },
  HOST_KEY_REJECTED: { say: (h) => `The host key of ${h.at} was not accepted, so Hopline did not connect.` },
  HOST_KEY_CHANGED: { say: (h) => `The host key of ${h.at} has changed since it was saved, so Hopline did not connect.` },
  HOST_KEY_REVOKED: { say: (h) => `The host key of ${h.at} is revoked, so Hopline will not connect to it.` },
  KNOWN_HOSTS_CHANGED: { say: (h) => `A known_hosts file changed while you were deciding about ${h.at}, so nothing was edited.` },
  KNOWN_HOSTS_UNWRITABLE: { say: (h) => `Hopline could not update the known_hosts file for ${h.at}, so the saved key was not replaced.` },
  AUTH_FAILED: { say: (h) => `${h.At} did not accept any way Hopline tried to sign in.` },
  HOP_UNREACHABLE: { say: (h) => `Hopline could not reach ${h.at}.` },
  HOP_TIMEOUT: { say: (h) => `${h.At} did not answer in time.` },
  HOP_LOST: { say: (h) => `The connection to ${h.at} was lost.` },
  HANDSHAKE_FAILED: { say: (h) => `Hopline could not set up a secure connection with ${h.at}.` },
  FORWARD_REFUSED: { say: (h) => `${h.At} refused to open a connection onward.` },
  PROXY_FAILED: { say: (h) => `The proxy in front of ${h.at} failed.` },
  CIRCUIT_CYCLE: { say: () => 'This circuit visits the same host twice, so it would go round in a cycle.' },
  CIRCUIT_TOO_DEEP: { say: () => 'This circuit has more hops than Hopline allows.' },
  PROMPT_CANCELLED: { say: (h) => (h.known ? `You cancelled sign-in to ${h.at}.` : 'You cancelled sign-in.') },
  PORT_IN_USE: { say: () => 'The port for this forward is already in use by another program.' },
  FORWARD_BIND_FAILED: { say: () => 'Hopline could not listen on the address and port of this forward.' },
  FORWARD_CONNECT_FAILED: { say: (h) => (h.known ? `${h.At} could not reach the destination of this forward.` : 'Hopline could not reach the destination of this forward.') },
  SFTP_UNAVAILABLE: { say: (h) => `${h.At} does not offer file transfer (SFTP).` },
  FILE_NOT_FOUND: { say: () => 'That file or folder does not exist.' },
  PERMISSION_DENIED: { say: () => 'Permission to that file or folder was denied.' },
  FILE_EXISTS: { say: () => 'A file with that name is already there.' },
  UNSAFE_NAME: { say: () => 'Hopline refused a file name that could write outside the chosen folder.' },
  DISK_FULL: { say: () => 'The local disk is full. The partial file was kept, so the transfer can resume.' },
  SFTP_FAILED: { say: (h) => `A file operation on ${h.at} failed.` },
};

/**
 * A message that is a bare code or leads with one ("HOP_UNREACHABLE: …", "DISCONNECTED") was not
 * written for people: any of ours, or anything shaped like one (SOME_CODE).
 */
const LEADS_WITH_CODE = new RegExp(`^(?:${Object.values(ErrorCode).join('|')}|[A-Z][A-Z0-9]*_[A-Z0-9_]+)(?::|$)`);

const MAX_SENTENCE = 1000;

/** The sentence, code and raw parts of a typed error as it came over the wire. */
export function describeWireError(error: WireError): ErrorDescription {
  const hop = error.hop ? { index: error.hop.index, name: toPlainText(error.hop.name, 200) } : null;
  const words: HopWords = hop ? { at: hopName(hop), At: hopNameAtStart(hop), known: true } : { at: 'a hop', At: 'A hop', known: false };
  const entry = SENTENCES[error.code] as (typeof SENTENCES)[ErrorCode] | undefined;
  const message = toPlainText(error.message ?? '', MAX_SENTENCE).trim();
  const detail = typeof error.detail === 'string' && error.detail.trim() ? toPlainText(error.detail, MAX_SENTENCE).trim() : null;
  const own = !entry || entry.always || message === '' || LEADS_WITH_CODE.test(message);
  const sentence = own ? (entry?.say(words) ?? 'Something went wrong inside Hopline.') : asSentence(message, hop);
  return { sentence, code: entry ? error.code : null, message: message || null, detail, hop };
}

/** Anything a call rejected with. Only typed errors carry text written for people. */
export function describeAnyError(error: unknown): ErrorDescription {
  if (error instanceof HoplineError) return describeWireError(error.toWire());
  // An error of our own making (a bug): a generic sentence, its text only under Details.
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  return { sentence: 'Something went wrong inside Hopline.', code: null, message: raw ? toPlainText(raw, MAX_SENTENCE) : null, detail: null, hop: null };
}

/** A message tidied into a sentence: capital first word, a full stop, and the hop named. */
function asSentence(message: string, hop: HopRef | null): string {
  let text = /^[a-z]+(?:\s|$)/.test(message) ? message.charAt(0).toUpperCase() + message.slice(1) : message;
  if (!/[.!?…]["')\]]?$/.test(text)) text += '.';
  if (hop && !text.toLowerCase().includes(hopName(hop).toLowerCase())) text = `${hopNameAtStart(hop)}: ${text}`;
  return text;
}

/** The lines "Details" shows and copies: the code, the message as sent, and the raw detail. */
export function errorDetailsText(description: ErrorDescription): string {
  const lines: string[] = [];
  if (description.code) lines.push(`Code: ${description.code}`);
  if (description.hop) lines.push(`Hop: ${hopName(description.hop)}`);
  if (description.message && description.message !== description.sentence) lines.push(`Message: ${description.message}`);
  if (description.detail) lines.push(`Detail: ${description.detail}`);
  return lines.join('\n');
}
