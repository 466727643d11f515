/** A remediation's state as a chip: the severity colours and icons (worse/failed red, no effect
 *  amber, in flight blue, resolved green, expired/rejected grey) with the state's word. */
import { useTranslation } from 'react-i18next';
import { CriticalIcon, InfoIcon, OkIcon, UnknownIcon, WarningIcon } from '../../ui/icons';
import { stateLevel } from './model';

const ICONS = {
  critical: CriticalIcon,
  warning: WarningIcon,
  info: InfoIcon,
  ok: OkIcon,
  unknown: UnknownIcon,
} as const;

export function RemediationStateChip({ state }: { state: string }) {
  const { t } = useTranslation();
  const level = stateLevel(state);
  const Icon = ICONS[level];
  return (
    <span className={`chip chip-${level}`}>
      <Icon />
      <span>{t(`remediation.state.${state}`, { defaultValue: state })}</span>
    </span>
  );
}
