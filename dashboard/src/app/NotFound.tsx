import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { EmptyState } from '../ui/States';

export function NotFound() {
  const { t } = useTranslation();
  return (
    <EmptyState title={t('notFound.title')}>
      <Link to="/">{t('notFound.back')}</Link>
    </EmptyState>
  );
}
