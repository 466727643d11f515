/**
 * Confirm an action: the target named in full, parameters, a dry-run preview of what will
 * change, then the real run with its transitions in place, the outcome and a link to it.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useReducer, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { keys } from '../../api/keys';
import { CommandProgress, CommandResult } from '../../ui/CommandProgress';
import { Dialog } from '../../ui/Dialog';
import { ErrorState } from '../../ui/States';
import { problems, toParams, type ActionDef, type FormValues } from './catalogue';
import { ApiError } from '../../api/errors';
import {
  actionReducer,
  canConfirm,
  canOverride,
  canPreview,
  initialAction,
  isBusy,
} from './machine';
import { ParamFields } from './ParamFields';
import { follow, newKey, submit, type Target } from './run';

export function ActionDialog({
  def,
  target,
  containers = [],
  initial = {},
  onClose,
}: {
  def: ActionDef;
  target: Target;
  containers?: string[];
  initial?: FormValues;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [state, dispatch] = useReducer(actionReducer, initialAction);
  const [values, setValues] = useState<FormValues>(initial);
  const [reason, setReason] = useState('');
  const key = useRef(newKey()); // one real run per dialog, even if Confirm is hit twice
  const abort = useRef(new AbortController());
  useEffect(() => {
    const a = abort.current;
    return () => a.abort();
  }, []);
  const invalid = problems(def, values);
  const params = toParams(def, values);

  function change(name: string, value: string | boolean) {
    setValues((v) => ({ ...v, [name]: value }));
    dispatch({ type: 'edit' });
  }

  async function preview() {
    dispatch({ type: 'preview' });
    try {
      const cmd = await submit(target, def.type, params, {
        dryRun: true,
        idempotencyKey: newKey(),
      });
      dispatch({ type: 'previewed', command: cmd });
    } catch (e) {
      dispatch({ type: 'failed', error: e });
    }
  }

  async function confirm(overrideReason = '') {
    dispatch({ type: overrideReason ? 'override' : 'confirm' });
    try {
      const first = await submit(target, def.type, params, {
        dryRun: false,
        idempotencyKey: key.current,
        overrideReason,
      });
      const last = await follow(
        first,
        (c) => dispatch({ type: 'progress', command: c }),
        abort.current.signal,
      );
      client.setQueryData(keys.command(last.id), last);
      void client.invalidateQueries({ queryKey: ['resources', target.cluster] });
      void client.invalidateQueries({ queryKey: ['resource', target.cluster] });
      void client.invalidateQueries({ queryKey: ['commands'] });
    } catch (e) {
      if (!abort.current.signal.aborted) dispatch({ type: 'failed', error: e });
    }
  }

  const title = t('actions.dialogTitle', { action: t(`actions.types.${def.type}`) });
  return (
    <Dialog title={title} onClose={onClose}>
      <dl className="target">
        <dt>{t('actions.cluster')}</dt>
        <dd>{target.cluster}</dd>
        {target.namespace && (
          <>
            <dt>{t('actions.namespace')}</dt>
            <dd>{target.namespace}</dd>
          </>
        )}
        <dt>{t('actions.kind')}</dt>
        <dd>{target.kind}</dd>
        <dt>{t('actions.name')}</dt>
        <dd>{target.name}</dd>
      </dl>
      {def.destructive && <p className="warning-text">{t('actions.destructive')}</p>}
      <ParamFields
        def={def}
        values={values}
        containers={containers}
        invalid={invalid}
        disabled={isBusy(state) || state.step === 'done'}
        onChange={change}
      />
      {state.step === 'previewing' && <p role="status">{t('actions.previewing')}</p>}
      {(state.step === 'previewed' || state.step === 'submitting') && (
        <section aria-label={t('actions.preview')}>
          <h3>{t('actions.preview')}</h3>
          {state.preview.state === 'succeeded' ? (
            <CommandResult command={state.preview} />
          ) : (
            <CommandProgress command={state.preview} />
          )}
        </section>
      )}
      {(state.step === 'running' || state.step === 'done') && (
        <section aria-label={t('actions.progress')}>
          <h3>{state.step === 'done' ? t('actions.outcome') : t('actions.progress')}</h3>
          <CommandProgress command={state.command} />
        </section>
      )}
      {state.step === 'error' && <ErrorState error={state.error} />}
      {heldByBudget(state.step === 'error' ? state.error : null) && canOverride(state) && (
        <section aria-label={t('actions.override')} className="override">
          <label>
            {t('actions.overrideReason')}
            <textarea
              value={reason}
              maxLength={500}
              rows={2}
              onChange={(e) => setReason(e.target.value)}
            />
          </label>
          <button
            type="button"
            className="danger"
            disabled={!reason.trim()}
            onClick={() => void confirm(reason.trim())}
          >
            {t('actions.overrideRun')}
          </button>
        </section>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onClose}>
          {state.step === 'done' ? t('common.close') : t('common.cancel')}
        </button>
        {state.step !== 'done' && !(state.step === 'error' && state.during === 'run') && (
          <>
            <button
              type="button"
              disabled={!canPreview(state) || invalid.length > 0}
              onClick={() => void preview()}
            >
              {t('actions.dryRun')}
            </button>
            <button
              type="button"
              className={def.destructive ? 'danger' : 'primary'}
              disabled={!canConfirm(state)}
              onClick={() => void confirm()}
            >
              {t('actions.confirm', { action: t(`actions.types.${def.type}`) })}
            </button>
          </>
        )}
      </div>
    </Dialog>
  );
}

/** The master holds a risky change back while an SLO's error budget is spent; an admin may
 * send it again with a reason (the 409 names the field to send). */
function heldByBudget(error: unknown): boolean {
  return (
    error instanceof ApiError && error.status === 409 && error.message.includes('override_reason')
  );
}
