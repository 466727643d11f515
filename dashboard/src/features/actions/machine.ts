/**
 * The action dialog's state machine: edit → preview (dry run) → previewed → confirm → running
 * → done. Safe by construction: confirming needs a successful preview of exactly the current
 * parameters (editing drops it), and nothing can run twice from one dialog. Pure reducer.
 */
import type { CommandView } from '../../api/types';

export type ActionState =
  | { step: 'edit' }
  | { step: 'previewing' }
  | { step: 'previewed'; preview: CommandView }
  | { step: 'submitting'; preview: CommandView }
  | { step: 'running'; command: CommandView }
  | { step: 'done'; command: CommandView }
  | {
      step: 'error';
      error: unknown;
      during: 'preview' | 'run';
      command?: CommandView;
      preview?: CommandView; // refused before a command existed: it may be sent again
    };

export type ActionEvent =
  | { type: 'edit' }
  | { type: 'preview' }
  | { type: 'previewed'; command: CommandView }
  | { type: 'confirm' }
  | { type: 'override' }
  | { type: 'progress'; command: CommandView }
  | { type: 'failed'; error: unknown };

export const initialAction: ActionState = { step: 'edit' };

export function canPreview(s: ActionState): boolean {
  return (
    s.step === 'edit' || s.step === 'previewed' || (s.step === 'error' && s.during === 'preview')
  );
}

export function canConfirm(s: ActionState): boolean {
  return s.step === 'previewed' && s.preview.state === 'succeeded';
}

/** The run was refused before any command existed (e.g. an SLO's error-budget policy), so
 * sending it again -- with an admin's reason -- cannot run anything twice. */
export function canOverride(s: ActionState): boolean {
  return s.step === 'error' && s.during === 'run' && !s.command && s.preview !== undefined;
}

export function isBusy(s: ActionState): boolean {
  return s.step === 'previewing' || s.step === 'submitting' || s.step === 'running';
}

export function actionReducer(s: ActionState, e: ActionEvent): ActionState {
  switch (e.type) {
    case 'edit':
      // Changing parameters invalidates the preview; not once the real command is under way.
      return isBusy(s) || s.step === 'done' || (s.step === 'error' && s.during === 'run')
        ? s
        : { step: 'edit' };
    case 'preview':
      return canPreview(s) ? { step: 'previewing' } : s;
    case 'previewed':
      return s.step === 'previewing' ? { step: 'previewed', preview: e.command } : s;
    case 'confirm':
      return canConfirm(s) && s.step === 'previewed'
        ? { step: 'submitting', preview: s.preview }
        : s;
    case 'override':
      return canOverride(s) && s.step === 'error' && s.preview
        ? { step: 'submitting', preview: s.preview }
        : s;
    case 'progress':
      if (s.step !== 'submitting' && s.step !== 'running') return s;
      return e.command.terminal
        ? { step: 'done', command: e.command }
        : { step: 'running', command: e.command };
    case 'failed':
      if (s.step === 'previewing') return { step: 'error', error: e.error, during: 'preview' };
      if (s.step === 'submitting')
        return { step: 'error', error: e.error, during: 'run', preview: s.preview };
      if (s.step === 'running')
        return { step: 'error', error: e.error, during: 'run', command: s.command };
      return s;
  }
}
