/** A remediation's state as a chip: the severity colours and icons (worse/failed red, no effect
 *  amber, in flight blue, resolved green, expired/rejected grey) with the state's word. */
import { useTranslation } from 'react-i18next';
import { LevelChip } from '../../ui/SeverityChip';
import { stateLevel } from './model';

export function RemediationStateChip({ state }: { state: string }) {
  const { t } = useTranslation();
  return (
    <LevelChip
      level={stateLevel(state)}
      label={t(`remediation.state.${state}`, { defaultValue: state })}
    />
  );
}
