import { useTranslation } from 'react-i18next';
import { EmptyState } from './States';

export function Placeholder() {
  const { t } = useTranslation();
  return <EmptyState title={t('common.notYet')} />;
}
