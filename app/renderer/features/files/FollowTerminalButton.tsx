/**
 * Follow terminal (issue 16): a toggle in the files view's folder bar. On, the listing goes
 * wherever a shell of the circuit moves, as the shell reports it (OSC 7); the keyboard focus stays
 * where it is (in the terminal, usually). Until a shell of the circuit has reported a folder the
 * toggle cannot be turned on, and says why and how to make the shell report it.
 */
import { SquareTerminal } from 'lucide-react';
import { latestCwdOf } from '../../stores/shellCwdLogic';
import { useFilesStore } from '../../stores/useFilesStore';
import { useTerminalsStore } from '../../stores/useTerminalsStore';

/** How to make bash report its folder; zsh and fish users will recognise the escape. */
export const OSC7_HINT =
  'The shell here does not report its folder (OSC 7), so there is nothing to follow yet. To make bash report it, add to ~/.bashrc on the target: ' +
  `PROMPT_COMMAND='printf "\\e]7;file://%s%s\\e\\\\" "$HOSTNAME" "$PWD"'`;

interface FollowTerminalButtonProps {
  /** The view's id prefix, for the hint's element id. */
  id: string;
  circuitId: string;
}

export function FollowTerminalButton({ id, circuitId }: FollowTerminalButtonProps) {
  const follow = useFilesStore((s) => s.views[circuitId]?.follow ?? false);
  const reported = useTerminalsStore((s) => latestCwdOf(s, s.cwds, circuitId) !== null);
  const hintId = `${id}-follow-hint`;
  return (
    <>
      <button
        type="button"
        className="icon-button"
        aria-label="Follow terminal"
        aria-pressed={reported && follow}
        // aria-disabled, not disabled: the button stays focusable so its hint can be read.
        aria-disabled={reported ? undefined : true}
        aria-describedby={reported ? undefined : hintId}
        title={reported ? (follow ? 'Stop following the terminal’s folder' : 'Follow the terminal’s folder') : OSC7_HINT}
        data-testid="files-follow"
        onClick={() => {
          if (reported) useFilesStore.getState().setFollow(circuitId, !follow);
        }}
      >
        <SquareTerminal size={15} aria-hidden />
      </button>
      {!reported && (
        <span id={hintId} className="sr-only">
          {OSC7_HINT}
        </span>
      )}
    </>
  );
}
