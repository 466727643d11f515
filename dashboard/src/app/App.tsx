/** Providers and routes. Every page past the fleet overview is split into its own chunk. */
import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { LoginPage } from '../auth/LoginPage';
import { PasswordChange } from '../auth/PasswordChange';
import { RequireAuth } from '../auth/RequireAuth';
import { FleetPage } from '../features/fleet/FleetPage';
import { Skeleton } from '../ui/States';
import { Layout } from './Layout';
import { makeQueryClient } from './queryClient';
import { NotFound } from './NotFound';

const ClusterLayout = lazy(() => import('../features/cluster/ClusterLayout'));
const ClusterOverview = lazy(() => import('../features/cluster/ClusterOverview'));
const NodesPage = lazy(() => import('../features/cluster/NodesPage'));
const WorkloadsPage = lazy(() => import('../features/cluster/WorkloadsPage'));
const PodsPage = lazy(() => import('../features/cluster/PodsPage'));
const ServicesPage = lazy(() => import('../features/cluster/ServicesPage'));
const IngressesPage = lazy(() => import('../features/cluster/IngressesPage'));
const PvcsPage = lazy(() => import('../features/cluster/PvcsPage'));
const ServiceDetail = lazy(() => import('../features/network/ServiceDetail'));
const IngressDetail = lazy(() => import('../features/network/IngressDetail'));
const PvcDetail = lazy(() => import('../features/storage/PvcDetail'));
const EventsPage = lazy(() => import('../features/cluster/EventsPage'));
const PodDetail = lazy(() => import('../features/pod/PodDetail'));
const NodeDetail = lazy(() => import('../features/node/NodeDetail'));
const WorkloadDetail = lazy(() => import('../features/workload/WorkloadDetail'));
const CommandsPage = lazy(() => import('../features/commands/CommandsPage'));
const CommandDetail = lazy(() => import('../features/commands/CommandDetail'));
const AdminLayout = lazy(() => import('../features/admin/AdminLayout'));
const UsersPage = lazy(() => import('../features/admin/UsersPage'));
const BindingsPage = lazy(() => import('../features/admin/BindingsPage'));
const TokensPage = lazy(() => import('../features/admin/TokensPage'));
const ClustersAdminPage = lazy(() => import('../features/admin/ClustersAdminPage'));
const AuditPage = lazy(() => import('../features/admin/AuditPage'));
const AlertsArea = lazy(() => import('../features/alerts/AlertsArea'));
const SlosArea = lazy(() => import('../features/slos/SlosArea'));
const SloDefinitionsPage = lazy(() => import('../features/slos/SloDefinitionsPage'));
const RemediationArea = lazy(() => import('../features/remediation/RemediationArea'));
const PolicyPage = lazy(() => import('../features/remediation/PolicyPage'));

export function App() {
  const [client] = useState(makeQueryClient);
  return (
    <QueryClientProvider client={client}>
      <BrowserRouter>
        <Suspense fallback={<Skeleton />}>
          <Routes>
            <Route path="/login" element={<LoginPage />} />
            <Route
              element={
                <RequireAuth>
                  <Layout />
                </RequireAuth>
              }
            >
              <Route index element={<FleetPage />} />
              <Route path="password" element={<PasswordChange />} />
              <Route path="clusters" element={<Navigate to="/" replace />} />
              <Route path="clusters/:cluster" element={<ClusterLayout />}>
                <Route index element={<ClusterOverview />} />
                <Route path="nodes" element={<NodesPage />} />
                <Route path="nodes/:node" element={<NodeDetail />} />
                <Route path="workloads" element={<WorkloadsPage />} />
                <Route path="workloads/:kind/:ns/:name" element={<WorkloadDetail />} />
                <Route path="pods" element={<PodsPage />} />
                <Route path="pods/:ns/:name" element={<PodDetail />} />
                <Route path="services" element={<ServicesPage />} />
                <Route path="services/:ns/:name" element={<ServiceDetail />} />
                <Route path="ingresses" element={<IngressesPage />} />
                <Route path="ingresses/:ns/:name" element={<IngressDetail />} />
                <Route path="pvcs" element={<PvcsPage />} />
                <Route path="pvcs/:ns/:name" element={<PvcDetail />} />
                <Route path="events" element={<EventsPage />} />
              </Route>
              <Route path="alerts/*" element={<AlertsArea />} />
              <Route path="slos/*" element={<SlosArea />} />
              <Route path="remediations/*" element={<RemediationArea />} />
              <Route path="commands" element={<CommandsPage />} />
              <Route path="commands/:id" element={<CommandDetail />} />
              <Route path="admin" element={<AdminLayout />}>
                <Route index element={<Navigate to="users" replace />} />
                <Route path="users" element={<UsersPage />} />
                <Route path="bindings" element={<BindingsPage />} />
                <Route path="tokens" element={<TokensPage />} />
                <Route path="clusters" element={<ClustersAdminPage />} />
                <Route path="audit" element={<AuditPage />} />
                <Route path="slos" element={<SloDefinitionsPage />} />
                <Route path="remediation" element={<PolicyPage />} />
              </Route>
              <Route path="*" element={<NotFound />} />
            </Route>
          </Routes>
        </Suspense>
      </BrowserRouter>
    </QueryClientProvider>
  );
}
