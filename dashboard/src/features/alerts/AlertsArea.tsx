/** The alerting area: its sections and routes (one lazy chunk for App.tsx). */
import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router-dom';
import { NotFound } from '../../app/NotFound';
import AlertDetail from './AlertDetail';
import AlertsPage from './AlertsPage';
import { AlertsNav } from './AlertsNav';
import NoisePage from './NoisePage';
import ReceiversPage from './ReceiversPage';
import SilenceEditor from './SilenceEditor';
import SilencesPage from './SilencesPage';
import './alerts.css';

export default function AlertsArea() {
  const { t } = useTranslation();
  return (
    <div className="page">
      <h1>{t('alerts.area')}</h1>
      <AlertsNav />
      <Routes>
        <Route index element={<AlertsPage />} />
        <Route path="silences" element={<SilencesPage />} />
        <Route path="silences/new" element={<SilenceEditor />} />
        <Route path="noise" element={<NoisePage />} />
        <Route path="receivers" element={<ReceiversPage />} />
        <Route path=":fingerprint" element={<AlertDetail />} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </div>
  );
}
