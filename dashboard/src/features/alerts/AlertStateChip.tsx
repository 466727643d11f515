/** An alert's state as a chip: icon and word, grey when something holds the alert back. */
import { useTranslation } from 'react-i18next';
import { InfoIcon, OkIcon, UnknownIcon, WarningIcon } from '../../ui/icons';
import type { DisplayState } from './model';

const ICONS: Record<DisplayState, () => React.ReactElement> = {
  firing: WarningIcon,
  flapping: WarningIcon,
  pending: UnknownIcon,
  acknowledged: OkIcon,
  silenced: InfoIcon,
  inhibited: InfoIcon,
  resolved: OkIcon,
};

export function AlertStateChip({ state }: { state: DisplayState }) {
  const { t } = useTranslation();
  const Icon = ICONS[state];
  return (
    <span className={`chip chip-state chip-state-${state}`}>
      <Icon />
      <span>{t(`alerts.state.${state}`)}</span>
    </span>
  );
}
