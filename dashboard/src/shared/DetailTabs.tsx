/**
 * A detail page's tabs: Overview (the page's own sections) and YAML. The open tab is in the
 * URL (`?tab=yaml`), so a link can point at an object's YAML.
 */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import type { ResourceItem } from '../api/types';
import { YamlView } from './YamlView';

const TABS = ['overview', 'yaml'] as const;
type Tab = (typeof TABS)[number];

export function DetailTabs({ item, children }: { item: ResourceItem; children: ReactNode }) {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const labels: Record<Tab, string> = {
    overview: t('detail.tab.overview'),
    yaml: t('detail.tab.yaml'),
  };
  const tab: Tab = params.get('tab') === 'yaml' ? 'yaml' : 'overview';
  const open = (next: Tab) =>
    setParams(
      (prev) => {
        const out = new URLSearchParams(prev);
        if (next === 'overview') out.delete('tab');
        else out.set('tab', next);
        return out;
      },
      { replace: true },
    );
  return (
    <>
      <div className="tabs" role="tablist" aria-label={t('detail.tabs')}>
        {TABS.map((id) => (
          <button
            key={id}
            type="button"
            role="tab"
            id={`tab-${id}`}
            aria-selected={tab === id}
            aria-controls={`panel-${id}`}
            tabIndex={tab === id ? 0 : -1}
            className={`linklike tab${tab === id ? ' active' : ''}`}
            onClick={() => open(id)}
            onKeyDown={(e) => {
              if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
              const next = TABS[(TABS.indexOf(id) + 1) % TABS.length] ?? 'overview';
              open(next);
              document.getElementById(`tab-${next}`)?.focus();
            }}
          >
            {labels[id]}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id={`panel-${tab}`}
        aria-labelledby={`tab-${tab}`}
        className="page tabpanel"
      >
        {tab === 'yaml' ? <YamlView item={item} /> : children}
      </div>
    </>
  );
}
