/** The actions a target's kind offers, shown only when the caller may operate there. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../api/queries';
import { canOperate } from '../../auth/permissions';
import { ActionDialog } from './ActionDialog';
import { actionsFor, type ActionDef, type FormValues } from './catalogue';
import type { Target } from './run';

export function ActionButtons({
  target,
  containers,
  initial,
}: {
  target: Target;
  containers?: string[];
  initial?: Record<string, FormValues>;
}) {
  const { t } = useTranslation();
  const me = useMe();
  const [open, setOpen] = useState<ActionDef | null>(null);
  if (!canOperate(me.data, target.cluster, target.namespace)) return null;
  const defs = actionsFor(target.kind);
  if (defs.length === 0) return null;
  return (
    <div className="actions" role="group" aria-label={t('actions.group')}>
      {defs.map((d) => (
        <button type="button" key={d.type} onClick={() => setOpen(d)}>
          {t(`actions.types.${d.type}`)}
        </button>
      ))}
      {open && (
        <ActionDialog
          def={open}
          target={target}
          containers={containers}
          initial={initial?.[open.type]}
          onClose={() => setOpen(null)}
        />
      )}
    </div>
  );
}

export { type Target } from './run';
