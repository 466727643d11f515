/** A suggested command in the reader's words ("Set on container main of Deployment shop/cart:
 *  memory limit 192Mi, memory request 128Mi"), from the action's type and params. */
import { useTranslation } from 'react-i18next';
import { commandWords, resourceParams } from './model';
import type { Action } from './types';

export function CommandWords({ action }: { action: Action }) {
  const { t, i18n } = useTranslation();
  const { key, values } = commandWords(action);
  const changes = new Intl.ListFormat(i18n.language, { type: 'conjunction' }).format(
    resourceParams(action).map((p) =>
      t('remediation.command.change', {
        resource: p.resource,
        field: t(`remediation.command.field.${p.field}`),
        value: p.value,
      }),
    ),
  );
  return <span>{t(`remediation.command.${key}`, { ...values, changes })}</span>;
}
