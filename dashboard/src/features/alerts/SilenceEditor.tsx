/**
 * A new silence: matchers prefilled from an alert's labels (?alert=<fingerprint>) or the URL
 * (?matcher=… repeated), editable, with the alerts they would silence previewed by the server
 * before saving; a duration and a comment (required).
 */
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { QueryState, Skeleton } from '../../ui/States';
import { duration } from '../../ui/format';
import { useAlertList, useCreateSilence, useSilencePreview } from './api';
import { AlertTable } from './AlertTable';
import { cleanMatchers, matchersFromLabels, SILENCE_DURATIONS_S } from './model';
import { useDebounced } from './useDebounced';

function Preview({ matchers }: { matchers: string[] }) {
  const { t } = useTranslation();
  const preview = useSilencePreview(matchers);
  if (matchers.length === 0) return <p className="muted">{t('alerts.editor.noMatchers')}</p>;
  return (
    <QueryState query={preview} rows={2}>
      {() => {
        const items = preview.data?.items ?? [];
        return (
          <>
            <p aria-live="polite">{t('alerts.editor.matching', { count: items.length })}</p>
            {items.length > 0 && (
              <AlertTable label={t('alerts.editor.preview')} alerts={items} actions={false} />
            )}
          </>
        );
      }}
    </QueryState>
  );
}

function Form({ initial }: { initial: string[] }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const create = useCreateSilence();
  const [texts, setTexts] = useState<string[]>(initial.length > 0 ? initial : ['']);
  const [durationS, setDurationS] = useState(SILENCE_DURATIONS_S[1] ?? 7_200);
  const [comment, setComment] = useState('');
  const cleaned = useMemo(() => cleanMatchers(texts), [texts]);
  const settled = useDebounced(cleaned, 300);
  const ready = cleaned.length > 0 && comment.trim() !== '' && !create.isPending;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!ready) return;
    create.mutate(
      { matchers: cleaned, duration_s: durationS, comment: comment.trim() },
      { onSuccess: () => navigate('/alerts/silences') },
    );
  }
  return (
    <form className="page" onSubmit={submit} aria-labelledby="silence-new-title">
      <h2 id="silence-new-title">{t('alerts.editor.title')}</h2>
      <fieldset>
        <legend>{t('alerts.editor.matchers')}</legend>
        {texts.map((m, i) => (
          <div className="matcher-row" key={i}>
            <label className="visually-hidden" htmlFor={`matcher-${i}`}>
              {t('alerts.editor.matcher', { n: i + 1 })}
            </label>
            <input
              id={`matcher-${i}`}
              value={m}
              spellCheck={false}
              onChange={(e) => setTexts(texts.map((x, j) => (j === i ? e.target.value : x)))}
            />
            <button
              type="button"
              aria-label={t('alerts.editor.remove', { n: i + 1 })}
              onClick={() => setTexts(texts.filter((_, j) => j !== i))}
            >
              ×
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setTexts([...texts, ''])}>
          {t('alerts.editor.add')}
        </button>
        <p className="muted">{t('alerts.editor.syntax')}</p>
      </fieldset>
      <section className="section" aria-label={t('alerts.editor.preview')}>
        <h3>{t('alerts.editor.preview')}</h3>
        <Preview matchers={settled} />
      </section>
      <label>
        {t('alerts.editor.duration')}
        <select value={durationS} onChange={(e) => setDurationS(Number(e.target.value))}>
          {SILENCE_DURATIONS_S.map((s) => (
            <option key={s} value={s}>
              {duration(s * 1000)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('alerts.editor.comment')}
        <textarea value={comment} required onChange={(e) => setComment(e.target.value)} />
      </label>
      {create.isError && (
        <p role="alert" className="warning-text">
          {create.error.message}
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={!ready}>
          {t('alerts.editor.save')}
        </button>
        <button type="button" onClick={() => navigate(-1)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

export default function SilenceEditor() {
  const [params] = useSearchParams();
  const fingerprint = params.get('alert');
  const list = useAlertList();
  if (!fingerprint) return <Form initial={params.getAll('matcher')} />;
  if (list.isPending) return <Skeleton rows={3} />;
  const alert = list.data?.items.find((a) => a.fingerprint === fingerprint);
  return <Form key={fingerprint} initial={alert ? matchersFromLabels(alert.labels) : []} />;
}
