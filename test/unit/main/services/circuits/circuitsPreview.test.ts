/**
 * The builder's export preview (CircuitsService.preview): with a saved profile's id, the
 * profile's forwards are in both forms, as `hopline export NAME` writes them; one ssh would refuse
 * is left out and said; an unknown profile is said, and the hops are still previewed.
 */
import { describe, expect, it } from 'vitest';
import { CircuitsService } from '../../../../../app/main/services/circuits/circuitsService';
import { CircuitEngine } from '../../../../../app/main/services/engine/circuitEngine';
import type { HopSpec } from '../../../../../app/main/services/engine/hopSpec';
import { PromptBroker } from '../../../../../app/main/services/engine/promptBroker';
import type { ForwardSpec } from '../../../../../app/shared/model/forward';

const hop = (name: string, host: string): HopSpec => ({ name, host, port: 22, user: 'ops', auth: [{ kind: 'agent' }], connectTimeoutMs: 10_000 });
const HOPS: Record<string, HopSpec> = { b: hop('bastion', 'bastion.example'), t: hop('target', 'target.example') };

const saved: Record<string, ForwardSpec[]> = {
  'p-db': [
    { id: 'f1', kind: 'local', bindPort: 8080, host: 'db.internal', hostPort: 5432, autoStart: true },
    { id: 'f2', kind: 'remote', bindPort: 0, host: 'localhost', hostPort: 3000 },
    { id: 'f3', kind: 'dynamic', bindAddress: 'localhost', bindPort: 1080 },
  ],
  // Hand-edited: ssh refuses a LocalForward on port 0.
  'p-odd': [
    { id: 'g1', kind: 'local', bindPort: 0, host: 'db', hostPort: 5432 },
    { id: 'g2', kind: 'dynamic', bindPort: 1080 },
  ],
  'p-none': [],
};

function service(): CircuitsService {
  const engine = new CircuitEngine({ hostKeyFiles: { userFiles: [], appFile: '/nonexistent/known_hosts' }, prompts: new PromptBroker() });
  return new CircuitsService({ engine, hopSpecs: (ids) => ids.map((id) => HOPS[id]!), savedForwards: (id) => saved[id] ?? null });
}

describe('CircuitsService.preview', () => {
  it('without a profile, no forward lines (as before)', async () => {
    const preview = await service().preview({ hostIds: ['b', 't'] });
    expect(preview.problems).toEqual([]);
    expect(preview.sshCommand).toMatch(/^ssh -J ops@bastion\.example\S* (-p 22 )?ops@target\.example$/);
    expect(preview.sshConfig).not.toMatch(/Forward/);
  });

  it("with a saved profile, its forwards go in both forms, on the target's block", async () => {
    const preview = await service().preview({ hostIds: ['b', 't'], profileId: 'p-db' });
    expect(preview.problems).toEqual([]);
    expect(preview.sshCommand).toMatch(/^ssh -J ops@bastion\.example\S* -L 8080:db\.internal:5432 -R 0:localhost:3000 -D localhost:1080 (-p 22 )?ops@target\.example$/);
    const config = preview.sshConfig!;
    const target = config.slice(config.indexOf('Host target'));
    expect(target).toContain('    LocalForward 8080 db.internal:5432\n');
    expect(target).toContain('    RemoteForward 0 localhost:3000\n');
    expect(target).toMatch(/ {4}DynamicForward localhost:1080$/m);
    // The bastion's block has none: ssh -J would not run them there.
    expect(config.slice(0, config.indexOf('Host target'))).not.toMatch(/Forward/);
  });

  it('leaves out a forward ssh would refuse, saying so, and keeps the rest', async () => {
    const preview = await service().preview({ hostIds: ['b', 't'], profileId: 'p-odd' });
    expect(preview.sshConfig).not.toContain('LocalForward');
    expect(preview.sshConfig).toContain('DynamicForward 1080');
    expect(preview.sshCommand).toMatch(/^ssh -J ops@bastion\.example\S* -D 1080 (-p 22 )?ops@target\.example$/);
    expect(preview.problems).toHaveLength(1);
    expect(preview.problems[0]).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^Not exported: .*LocalForward/) });
  });

  it('a profile with no forwards previews as the bare chain; an unknown profile is said', async () => {
    expect(await service().preview({ hostIds: ['b', 't'], profileId: 'p-none' })).toEqual(await service().preview({ hostIds: ['b', 't'] }));
    const gone = await service().preview({ hostIds: ['b', 't'], profileId: 'p-gone' });
    expect(gone.sshCommand).toBe((await service().preview({ hostIds: ['b', 't'] })).sshCommand);
    expect(gone.problems).toEqual([{ code: 'INVALID_ARGUMENT', message: 'The profile is no longer saved, so its forwards are not in this export' }]);
  });
});
