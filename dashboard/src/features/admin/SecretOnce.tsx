/** A secret shown exactly once, with copy; it is not kept anywhere once this closes. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

export function SecretOnce({
  label,
  secret,
  children,
}: {
  label: string;
  secret: string;
  children?: React.ReactNode;
}) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState(false);
  return (
    <div className="section" role="region" aria-label={label}>
      <h3>{label}</h3>
      <p className="warning-text">{t('admin.shownOnce')}</p>
      <p className="secret">{secret}</p>
      <button
        type="button"
        onClick={() => void navigator.clipboard?.writeText(secret).then(() => setCopied(true))}
      >
        {copied ? t('admin.copied') : t('common.copy')}
      </button>
      {children}
    </div>
  );
}
