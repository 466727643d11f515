/** The SLO pages: the list and one SLO (one lazy chunk for App.tsx). */
import { Route, Routes } from 'react-router-dom';
import { NotFound } from '../../app/NotFound';
import SloDetailPage from './SloDetailPage';
import SloListPage from './SloListPage';
import './slos.css';

export default function SlosArea() {
  return (
    <Routes>
      <Route index element={<SloListPage />} />
      <Route path=":name" element={<SloDetailPage />} />
      <Route path="*" element={<NotFound />} />
    </Routes>
  );
}
