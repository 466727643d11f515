/** An object as read-only YAML (as the master holds it: the agent trimmed and redacted it), with a copy button. */
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ResourceItem } from '../api/types';
import { toYaml, type Json } from './yaml';

/** What the YAML tab shows: the body the agent sent, its kind first as kubectl prints it. */
export function yamlOf(item: ResourceItem): string {
  return toYaml({ kind: item.kind, ...item.object } as Json);
}

type Copy = 'idle' | 'copied' | 'failed';

export function YamlView({ item }: { item: ResourceItem }) {
  const { t } = useTranslation();
  const text = useMemo(() => yamlOf(item), [item]);
  const [copy, setCopy] = useState<Copy>('idle');
  const onCopy = () => {
    navigator.clipboard.writeText(text).then(
      () => setCopy('copied'),
      () => setCopy('failed'),
    );
  };
  return (
    <section className="section" aria-labelledby="yaml-title">
      <div className="yaml-head">
        <h3 id="yaml-title">{t('yaml.title')}</h3>
        <button type="button" onClick={onCopy}>
          {t('common.copy')}
        </button>
        <span className="muted" role="status">
          {copy === 'copied' ? t('yaml.copied') : copy === 'failed' ? t('yaml.copyFailed') : ''}
        </span>
      </div>
      <pre className="output yaml" tabIndex={0} aria-label={t('yaml.title')}>
        <code>{text}</code>
      </pre>
    </section>
  );
}
