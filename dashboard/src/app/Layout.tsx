/** The shell: top bar, the live stream's lifetime (one per signed-in session), the page. */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Outlet } from 'react-router-dom';
import { LiveConnection } from '../live/connection';
import { TopBar } from './TopBar';

export function Layout() {
  const client = useQueryClient();
  useEffect(() => {
    const live = new LiveConnection(client);
    live.start();
    return () => live.stop();
  }, [client]);
  return (
    <div className="shell">
      <TopBar />
      <main className="content" id="main">
        <Outlet />
      </main>
    </div>
  );
}
