/**
 * The SLO routes as TanStack Query hooks. SLOs are not on the live stream: the master
 * re-evaluates them every 30 s, so reads poll every 30 s. Reports are fetched with the
 * session's Bearer token (a plain link would carry none) and handed over as a file.
 */
import { useQuery } from '@tanstack/react-query';
import { authFetch, call, enc, qs } from '../../api/client';
import { errorFrom, isApiError } from '../../api/errors';
import type { SloDetail, SloList } from './types';

export const SLOS_POLL_MS = 30_000;
export const SPARKLINE_HOURS = 24;

export const sloKeys = {
  all: ['slos'] as const,
  list: ['slos', 'list'] as const,
  detail: (name: string) => ['slos', 'detail', name] as const,
  config: ['slos', 'config'] as const,
};

export function useSlos() {
  return useQuery({
    queryKey: sloKeys.list,
    queryFn: () => call<SloList>(`slos${qs({ sparkline_hours: SPARKLINE_HOURS })}`),
    refetchInterval: SLOS_POLL_MS,
  });
}

export function useSlo(name: string) {
  return useQuery({
    queryKey: sloKeys.detail(name),
    queryFn: () => call<SloDetail>(`slos/${enc(name)}`),
    refetchInterval: SLOS_POLL_MS,
    retry: (n, e) => !(isApiError(e) && e.status === 404) && n < 2, // 404: not one of yours
  });
}

export type ReportFormat = 'csv' | 'html' | 'json';

export function reportPath(period: string, format: ReportFormat): string {
  return `slo/reports${qs({ period, format })}`;
}

/** The report of `period` saved as a file (`slo-report-2026-11.html`): throws the ApiError. */
export async function downloadReport(period: string, format: ReportFormat): Promise<void> {
  const res = await authFetch(reportPath(period, format));
  if (!res.ok) throw await errorFrom(res);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = `slo-report-${period}.${format}`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

/**
 * The printable HTML report in a new tab. A link cannot carry the Bearer token, and a tab
 * opened by the dashboard inherits its CSP (`style-src 'self'`), which refuses the report's
 * own `<style>`: so the tab is opened at once (still inside the click, or it is a blocked
 * popup), the report fetched with the session, its body moved in and its stylesheet adopted
 * through the CSSOM. The report carries no script (the master serves it with
 * `default-src 'none'`).
 */
const STYLE = /<style\b[^>]*>([\s\S]*?)<\/style>/gi;

export async function openHtmlReport(period: string): Promise<void> {
  const tab = window.open('', '_blank');
  if (!tab) return downloadReport(period, 'html'); // popups blocked: the page as a file instead
  try {
    const res = await authFetch(reportPath(period, 'html'));
    if (!res.ok) throw await errorFrom(res);
    // The <style> is cut out of the text before parsing: even an inert DOMParser document
    // reports it to this page's CSP.
    const css: string[] = [];
    const html = (await res.text()).replace(STYLE, (_m, body: string) => {
      css.push(body);
      return '';
    });
    const parsed = new DOMParser().parseFromString(html, 'text/html');
    const doc = tab.document;
    parsed.querySelectorAll('script').forEach((n) => n.remove());
    doc.title = parsed.title;
    doc.documentElement.lang = parsed.documentElement.lang || 'en';
    doc.body.replaceWith(doc.importNode(parsed.body, true));
    const Sheet = (tab as Window & typeof globalThis).CSSStyleSheet;
    const sheet = new Sheet();
    sheet.replaceSync(css.join('\n'));
    doc.adoptedStyleSheets = [sheet];
  } catch (e) {
    tab.close();
    throw e;
  }
}
