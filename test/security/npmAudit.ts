/**
 * `npm run audit`: `npm audit --omit=dev --audit-level=high` over the shipped dependencies,
 * with one difference that matters: when the registry's advisory endpoint cannot be reached
 * (a mirror that answers 405, no network), it says so and exits 2. That is never a pass.
 *
 * Exit codes: 0 no high or critical advisory in production dependencies (apart from the
 * explained exceptions below), 1 at least one, 2 the audit could not run.
 */
import { spawnSync } from 'node:child_process';

/** Advisories accepted for a stated reason (GHSA id -> why it does not apply). Keep SECURITY.md in step. */
const EXPLAINED: Record<string, string> = {};

interface Via {
  source?: number;
  title?: string;
  url?: string;
  severity?: string;
}
interface Vulnerability {
  name: string;
  severity: 'info' | 'low' | 'moderate' | 'high' | 'critical';
  range: string;
  via: (Via | string)[];
}

function npm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync('npm', args, { encoding: 'utf8', shell: process.platform === 'win32' });
  return { status: run.status, stdout: run.stdout ?? '', stderr: run.stderr ?? '' };
}

const registry = npm(['config', 'get', 'registry']).stdout.trim() || 'the configured registry';
const audit = npm(['audit', '--omit=dev', '--audit-level=high', '--json']);
interface Report {
  vulnerabilities?: Record<string, Vulnerability>;
  message?: string;
  error?: { summary?: string };
}
function parseReport(text: string): Report | null {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Report) : null;
  } catch {
    return null;
  }
}
const report = parseReport(audit.stdout);

if (!report || typeof report.vulnerabilities !== 'object') {
  const reason = report?.message || report?.error?.summary || audit.stderr.split('\n').filter((l) => l.includes('error')).join(' ') || `npm exited with ${audit.status}`;
  process.stderr.write(
    `npm audit could NOT check the dependencies: ${reason}\n` +
      `The advisory endpoint of ${registry} is unavailable, so nothing was checked and this is not a pass.\n` +
      'Run it where the public registry is reachable, or review by hand (SECURITY.md, "Dependencies").\n',
  );
  process.exit(2);
}

const ids = (v: Vulnerability): string[] => v.via.flatMap((via) => (typeof via === 'object' && via.url ? [via.url.split('/').pop() ?? via.url] : []));
const vulnerabilities = report.vulnerabilities;
const serious = Object.values(vulnerabilities).filter((v) => v.severity === 'high' || v.severity === 'critical');
const unexplained = serious.filter((v) => ids(v).length === 0 || ids(v).some((id) => !(id in EXPLAINED)));

for (const v of serious) {
  const titles = v.via.map((via) => (typeof via === 'string' ? `via ${via}` : `${via.title ?? ''} ${via.url ?? ''}`.trim())).join('; ');
  const explained = ids(v).filter((id) => id in EXPLAINED).map((id) => ` [explained: ${EXPLAINED[id]}]`).join('');
  process.stdout.write(`${v.severity.toUpperCase()} ${v.name} ${v.range}: ${titles}${explained}\n`);
}
const total = Object.keys(vulnerabilities).length;
process.stdout.write(`npm audit (production dependencies): ${total} advisory match(es), ${serious.length} high or critical, ${unexplained.length} unexplained\n`);
process.exit(unexplained.length === 0 ? 0 : 1);
