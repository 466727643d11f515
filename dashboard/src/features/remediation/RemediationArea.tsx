/** The remediation pages: the list and one remediation (one lazy chunk for App.tsx). */
import { Route, Routes } from 'react-router-dom';
import { NotFound } from '../../app/NotFound';
import RemediationDetail from './RemediationDetail';
import RemediationsPage from './RemediationsPage';
import './remediation.css';

export default function RemediationArea() {
  return (
    <Routes>
      <Route index element={<RemediationsPage />} />
      <Route path=":id" element={<RemediationDetail />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
